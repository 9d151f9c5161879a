package timeline

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/tenant"
)

// exportPage is how many items one read of an export fetches.
const exportPage = 500

// Each reads the whole filtered timeline page by page in q's order,
// calling fn for every item, up to MaxExport items (each page in its own
// read transaction, so a long export holds no transaction open).
func (s *Store) Each(ctx context.Context, scope tenant.Scope, incident uuid.UUID, q Query, fn func(Item) error) error {
	cursor, n := "", 0
	for {
		p, err := s.Read(ctx, scope, incident, q, cursor, exportPage)
		if err != nil {
			return err
		}
		for _, it := range p.Items {
			if n >= MaxExport {
				return nil
			}
			if err := fn(it); err != nil {
				return err
			}
			n++
		}
		if p.NextCursor == "" {
			return nil
		}
		cursor = p.NextCursor
	}
}

// CSVHeader is the first row of a CSV export.
var CSVHeader = []string{"at", "id", "type", "category", "source", "title", "description", "actor", "kind", "severity",
	"tactics", "techniques", "entities", "decision", "sha256", "integrity", "annotations"}

// CSVCell makes a value safe for a spreadsheet: a cell a spreadsheet
// would run as a formula (= + - @, tab, carriage return first) is prefixed
// with a single quote; NULs are dropped.
func CSVCell(s string) string {
	s = strings.ReplaceAll(s, "\x00", "")
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// CSVRow is an item as a CSV record (CSVHeader's columns).
func CSVRow(it Item) []string {
	ents := make([]string, len(it.Entities))
	for i, e := range it.Entities {
		ents[i] = e.Type + ":" + e.Value
	}
	notes := make([]string, len(it.Annotations))
	for i, a := range it.Annotations {
		notes[i] = a.Author + ": " + a.Body
	}
	desc := it.Description
	if it.Type == TypeLog && (it.From != "" || it.To != "") {
		desc = strings.TrimSpace(desc + " " + it.From + " → " + it.To)
	}
	decision := ""
	if it.Decision {
		decision = "yes"
	}
	row := []string{it.At.Format(time.RFC3339Nano), it.ID, it.Type, it.Category, it.Source, it.Title, desc, it.Actor, it.Kind,
		it.Severity, strings.Join(it.Tactics, ";"), strings.Join(it.Techniques, ";"), strings.Join(ents, ";"), decision,
		it.SHA256, it.Integrity, strings.Join(notes, "\n")}
	for i := range row {
		row[i] = CSVCell(row[i])
	}
	return row
}

// flusher is a writer that can push what it holds to the client.
type flusher interface{ Flush() error }

// WriteCSV writes the items each yields as CSV (header first), flushing w
// every page when it can. It returns how many items it wrote.
func WriteCSV(w io.Writer, each func(func(Item) error) error) (int, error) {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return 0, fmt.Errorf("timeline: write csv: %w", err)
	}
	fl, _ := w.(flusher)
	n := 0
	err := each(func(it Item) error {
		if err := cw.Write(CSVRow(it)); err != nil {
			return fmt.Errorf("timeline: write csv: %w", err)
		}
		n++
		if n%exportPage == 0 {
			cw.Flush()
			if err := cw.Error(); err != nil {
				return fmt.Errorf("timeline: write csv: %w", err)
			}
			if fl != nil {
				return fl.Flush()
			}
		}
		return nil
	})
	cw.Flush()
	if err == nil {
		err = cw.Error()
	}
	return n, err
}

// WriteJSON writes the items each yields as one JSON document
// {"incident_id":…,"exported_at":…,"items":[…]}, streamed item by item.
func WriteJSON(w io.Writer, incident uuid.UUID, at time.Time, each func(func(Item) error) error) (int, error) {
	head, _ := json.Marshal(map[string]any{"incident_id": incident, "exported_at": at.UTC()})
	if _, err := io.WriteString(w, string(head[:len(head)-1])+`,"items":[`); err != nil {
		return 0, fmt.Errorf("timeline: write json: %w", err)
	}
	fl, _ := w.(flusher)
	n := 0
	err := each(func(it Item) error {
		b, err := json.Marshal(it)
		if err != nil {
			return fmt.Errorf("timeline: encode item: %w", err)
		}
		if n > 0 {
			b = append([]byte{',', '\n'}, b...)
		}
		if _, err := w.Write(b); err != nil {
			return fmt.Errorf("timeline: write json: %w", err)
		}
		n++
		if fl != nil && n%exportPage == 0 {
			return fl.Flush()
		}
		return nil
	})
	if err != nil {
		return n, err
	}
	if _, err := io.WriteString(w, "]}\n"); err != nil {
		return n, fmt.Errorf("timeline: write json: %w", err)
	}
	return n, nil
}
