package main

import (
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/securenexus/securenexus/internal/app"
	"github.com/securenexus/securenexus/internal/config"
	"github.com/securenexus/securenexus/internal/logging"
)

// cli carries what every subcommand shares.
type cli struct {
	root *cobra.Command
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "securenexus",
		Short:         "SecureNexus: multi-tenant security operations platform",
		Long:          "SecureNexus ingests and normalises security alerts, matches them against threat intel, correlates them into incidents and keeps their evidence with a chain of custody, from one binary.\n\nEvery flag can also be set with its SECURENEXUS_* environment variable (see docs/configuration.md).",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	for _, s := range config.Settings() {
		usage := s.Desc + " (env " + s.Env + ")"
		switch s.Kind {
		case "bool":
			root.PersistentFlags().Bool(s.Flag, s.Default == "true", usage)
		default:
			root.PersistentFlags().String(s.Flag, s.Default, usage)
		}
	}
	c := &cli{root: root}
	root.AddCommand(
		c.serveCmd(),
		c.migrateCmd(),
		c.demoCmd(),
		c.versionCmd(),
		c.configCmd(),
		c.openapiCmd(),
		c.eventsCmd(),
	)
	for _, add := range extraCommands {
		root.AddCommand(add(c))
	}
	return root
}

// extraCommands lets domain files add subcommands (bench, audit, ...).
var extraCommands []func(*cli) *cobra.Command

// loadConfig reads configuration from explicitly set flags and the
// environment.
func (c *cli) loadConfig(cmd *cobra.Command) (config.Config, error) {
	flags := map[string]string{}
	cmd.Flags().Visit(func(f *pflag.Flag) { flags[f.Name] = f.Value.String() })
	cmd.InheritedFlags().Visit(func(f *pflag.Flag) { flags[f.Name] = f.Value.String() })
	cfg, err := config.Load(config.Source{Flags: flags, Getenv: os.Getenv})
	if err != nil {
		return config.Config{}, fmt.Errorf("invalid configuration:\n  %s", strings.ReplaceAll(err.Error(), "\n", "\n  "))
	}
	return cfg, nil
}

func newLogger(cfg config.Config) *slog.Logger {
	l := logging.New(os.Stderr, logging.Options{Level: cfg.LogLevel, Format: cfg.LogFormat})
	slog.SetDefault(l)
	return l
}

// buildApp loads the configuration and assembles the application, for
// commands that use it and exit; the caller closes it.
func (c *cli) buildApp(cmd *cobra.Command) (*app.App, error) {
	cfg, err := c.loadConfig(cmd)
	if err != nil {
		return nil, err
	}
	return app.Build(cmd.Context(), cfg, newLogger(cfg))
}
