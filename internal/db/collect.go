package db

import (
	"context"
	"fmt"
)

// Scanner is a row that can be scanned: *sql.Row or *sql.Rows.
type Scanner interface {
	Scan(dest ...any) error
}

// Collect runs query on q and scans every row with scan.
func Collect[T any](ctx context.Context, q Conn, scan func(Scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("scan: %w", err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
