package main

import (
	"context"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/riverqueue/river/rivermigrate"
	"github.com/securenexus/securenexus/internal/app"
	"github.com/securenexus/securenexus/internal/buildinfo"
	"github.com/securenexus/securenexus/internal/config"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/jobs"
	"github.com/securenexus/securenexus/internal/platform/events"
)

func (c *cli) serveCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Serve the API, web UI and background jobs",
		Long:  "Serve the API under /api/v1, the web UI, health endpoints (/livez, /readyz) and metrics (/metrics), and run background jobs. With no database URL the embedded SQLite database under the data directory is used and migrated. SIGINT or SIGTERM stops accepting, drains in-flight requests, stops the workers and closes the database.",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := c.loadConfig(cmd)
			if err != nil {
				return err
			}
			log := newLogger(cfg)
			ctx := cmd.Context()
			a, err := app.Build(ctx, cfg, log)
			if err != nil {
				return err
			}
			if cfg.Demo {
				if err := a.LoadDemo(ctx); err != nil {
					_ = a.Close(context.Background())
					return err
				}
			}
			ready := make(chan string, 1)
			go func() {
				if addr, ok := <-ready; ok {
					a.Welcome(ctx, addr)
				}
			}()
			return a.Run(ctx, ready)
		},
	}
}

func (c *cli) demoCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Load demo organisations, users and alerts, then exit",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := c.buildApp(cmd)
			if err != nil {
				return err
			}
			defer func() { _ = a.Close(context.Background()) }()
			return a.LoadDemo(cmd.Context())
		},
	}
}

func (c *cli) migrateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply, roll back or show database migrations",
		Long:  "Versioned migrations are embedded in the binary (one set per backend). They run as the connecting role, which on PostgreSQL must own the schema; the server itself runs as the restricted securenexus_app role.",
	}
	open := func(cmd *cobra.Command) (*db.DB, error) {
		cfg, err := c.loadConfig(cmd)
		if err != nil {
			return nil, err
		}
		newLogger(cfg)
		return app.OpenDB(cmd.Context(), cfg, false)
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "up",
		Short: "Apply every pending migration",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := open(cmd)
			if err != nil {
				return err
			}
			defer func() { _ = d.Close() }()
			if err := app.Migrate(cmd.Context(), d); err != nil {
				return err
			}
			st, err := d.MigrationState(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s schema at version %d\n", d.Dialect, st.Current)
			return nil
		},
	})
	var all bool
	down := &cobra.Command{
		Use:   "down",
		Short: "Roll back the most recent migration (--all: every migration, including the job queue's)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := open(cmd)
			if err != nil {
				return err
			}
			defer func() { _ = d.Close() }()
			p, err := d.Provider()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			if all {
				if _, err := p.DownTo(ctx, 0); err != nil {
					return fmt.Errorf("migrate down: %w", err)
				}
				if err := jobs.Migrate(ctx, d, rivermigrate.DirectionDown); err != nil {
					return err
				}
			} else if _, err := p.Down(ctx); err != nil {
				return fmt.Errorf("migrate down: %w", err)
			}
			st, err := d.MigrationState(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s schema at version %d\n", d.Dialect, st.Current)
			return nil
		},
	}
	down.Flags().BoolVar(&all, "all", false, "roll back every migration")
	cmd.AddCommand(down)
	cmd.AddCommand(&cobra.Command{
		Use:   "status",
		Short: "List migrations and whether each is applied",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := open(cmd)
			if err != nil {
				return err
			}
			defer func() { _ = d.Close() }()
			p, err := d.Provider()
			if err != nil {
				return err
			}
			sts, err := p.Status(cmd.Context())
			if err != nil {
				return fmt.Errorf("migrate status: %w", err)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "VERSION\tSTATE\tAPPLIED AT\tFILE")
			for _, s := range sts {
				applied := "-"
				if !s.AppliedAt.IsZero() {
					applied = s.AppliedAt.UTC().Format("2006-01-02 15:04:05")
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", s.Source.Version, s.State, applied, s.Source.Path)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			ok, err := jobs.MigrationsCurrent(cmd.Context(), d)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "job queue schema current: %v\n", ok)
			return nil
		},
	})
	return cmd
}

func (c *cli) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintln(cmd.OutOrStdout(), "securenexus", buildinfo.String())
		},
	}
}

func (c *cli) configCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Inspect configuration"}
	cmd.AddCommand(&cobra.Command{
		Use:   "docs",
		Short: "Print docs/configuration.md, generated from the code",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprint(cmd.OutOrStdout(), config.Markdown())
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "check",
		Short: "Validate the configuration from flags and environment and exit",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := c.loadConfig(cmd); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "configuration valid")
			return nil
		},
	})
	return cmd
}

func (c *cli) eventsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "events", Short: "Inspect domain events"}
	cmd.AddCommand(&cobra.Command{
		Use:   "docs",
		Short: "Print docs/events.md, generated from the code",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprint(cmd.OutOrStdout(), events.Markdown())
		},
	})
	return cmd
}

func (c *cli) openapiCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "openapi",
		Short: "Print the OpenAPI 3.1 document (YAML) generated from the code",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			y, err := app.OpenAPIYAML(cmd.Context())
			if err != nil {
				return err
			}
			_, err = os.Stdout.Write(y)
			return err
		},
	}
}
