package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/securenexus/securenexus/internal/config"
)

// OpenAPIYAML builds the whole application against a throwaway embedded
// database and returns its OpenAPI document, exactly as served at
// /api/v1/openapi.yaml.
func OpenAPIYAML(ctx context.Context) ([]byte, error) {
	dir, err := os.MkdirTemp("", "securenexus-openapi-")
	if err != nil {
		return nil, fmt.Errorf("openapi: temp dir: %w", err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	c, err := config.Load(config.Source{Getenv: func(string) string { return "" }})
	if err != nil {
		return nil, err
	}
	c.DataDir = dir
	a, err := Build(ctx, c, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return nil, err
	}
	defer func() { _ = a.Close(context.Background()) }()
	y, err := a.Server.API.OpenAPI().YAML()
	if err != nil {
		return nil, fmt.Errorf("openapi: render: %w", err)
	}
	return y, nil
}
