package main

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/securenexus/securenexus/internal/bench"
	"github.com/securenexus/securenexus/internal/config"
)

func init() { extraCommands = append(extraCommands, (*cli).benchCmd) }

func (c *cli) benchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure ingest throughput, alert query latency, live-stream fan-out, SLA scans, threat-intel matching and incident timelines",
		Long:  "Benchmarks boot a real server in-process on a loopback port (or target --url) against the configured database (--database-url for PostgreSQL, else a temporary SQLite database). Loads are bounded in count and time; data goes into fresh throwaway orgs.",
	}
	var ino bench.IngestOptions
	ingestCmd := &cobra.Command{
		Use:   "ingest",
		Short: "Drive the real HTTP intake (batches, or single alerts with --batch 1) and report alerts/s, latency, slices, CPU and disk per alert",
		Args:  cobra.NoArgs,
		RunE: c.benchRunE(func(ctx context.Context, cfg config.Config, log *slog.Logger, out io.Writer) error {
			ino.Config, ino.Logger, ino.Out = cfg, log, out
			_, err := bench.RunIngest(ctx, ino)
			return err
		}),
	}
	f := ingestCmd.Flags()
	f.IntVar(&ino.Alerts, "alerts", 50000, "alert payloads to send")
	f.IntVar(&ino.Batch, "batch", 500, "payloads per batch request (1: single-alert requests through the group commit)")
	f.IntVar(&ino.Slice, "slice", 100000, "print the throughput of every slice of this many alerts (0: off)")
	f.StringVar(&ino.SourceType, "source-type", "", "generate only this source type (suricata, guardduty, cef, generic); empty mixes them")
	f.StringVar(&ino.CPUProfile, "cpuprofile", "", "write a CPU profile of the timed run to this file (in-process: server and client)")
	f.IntVar(&ino.Concurrency, "concurrency", 4, "concurrent clients")
	f.IntVar(&ino.DupPercent, "dup-percent", 15, "share of payloads (percent) repeating an earlier one")
	f.StringVar(&ino.Baseline, "baseline", "", "\"copy\": also write the same rows with PostgreSQL COPY and print pipeline/COPY")
	f.StringVar(&ino.URL, "url", "", "target a running server instead of booting one (needs --api-key)")
	f.StringVar(&ino.APIKey, "api-key", "", "org API key with alerts:ingest for --url")
	f.DurationVar(&ino.Timeout, "timeout", 10*time.Minute, "upper bound for the run")

	var qo bench.QueryOptions
	queryCmd := &cobra.Command{
		Use:   "query",
		Short: "Load N alerts (COPY on PostgreSQL) and report list-query p50/p95 for common filters",
		Args:  cobra.NoArgs,
		RunE: c.benchRunE(func(ctx context.Context, cfg config.Config, log *slog.Logger, out io.Writer) error {
			qo.Config, qo.Logger, qo.Out = cfg, log, out
			_, err := bench.RunQuery(ctx, qo)
			return err
		}),
	}
	f = queryCmd.Flags()
	f.IntVar(&qo.Alerts, "alerts", 100000, "alerts to load")
	f.IntVar(&qo.Runs, "runs", 50, "executions of each query")
	f.DurationVar(&qo.Timeout, "timeout", 15*time.Minute, "upper bound for the run")
	var so bench.StreamOptions
	streamCmd := &cobra.Command{
		Use:   "stream",
		Short: "Open N live-stream (SSE) clients in one org (or on one incident's war room, --incident) and report fan-out p50/p95/p99; a never-reading client must be dropped",
		Args:  cobra.NoArgs,
		RunE: c.benchRunE(func(ctx context.Context, cfg config.Config, log *slog.Logger, out io.Writer) error {
			so.Config, so.Logger, so.Out = cfg, log, out
			_, err := bench.RunStream(ctx, so)
			return err
		}),
	}
	f = streamCmd.Flags()
	f.IntVar(&so.Clients, "clients", 1000, "SSE clients following the org's stream")
	f.IntVar(&so.Events, "events", 300, "alert updates to make")
	f.Float64Var(&so.Rate, "rate", 50, "alert updates per second")
	f.IntVar(&so.Buffer, "buffer", 64, "per-client server queue (SECURENEXUS_STREAM_CLIENT_BUFFER for the run)")
	f.BoolVar(&so.Slow, "slow", true, "add one client that never reads (it must be disconnected without delaying the others)")
	f.BoolVar(&so.Incident, "incident", false, "war-room shape: the clients follow one incident (subject filter); the events are notes and status changes on it")
	f.DurationVar(&so.Timeout, "timeout", 5*time.Minute, "upper bound for the run")
	var lo bench.SLAOptions
	slaCmd := &cobra.Command{
		Use:   "sla",
		Short: "Open N incidents with SLA clocks and time the breach scan (nothing due, everything due) and the sla=breached list",
		Args:  cobra.NoArgs,
		RunE: c.benchRunE(func(ctx context.Context, cfg config.Config, log *slog.Logger, out io.Writer) error {
			lo.Config, lo.Logger, lo.Out = cfg, log, out
			_, err := bench.RunSLA(ctx, lo)
			return err
		}),
	}
	f = slaCmd.Flags()
	f.IntVar(&lo.Incidents, "incidents", 2000, "incidents to open (each with an SLA clock)")
	f.IntVar(&lo.Runs, "runs", 50, "executions of the idle scan and of the list")
	f.DurationVar(&lo.Timeout, "timeout", 10*time.Minute, "upper bound for the run")
	var co bench.CorrelateOptions
	correlateCmd := &cobra.Command{
		Use:   "correlate",
		Short: "Time correlation decisions per alert, intake with correlation on (vs COPY on PostgreSQL) and the incident list over bulk-loaded incidents",
		Args:  cobra.NoArgs,
		RunE: c.benchRunE(func(ctx context.Context, cfg config.Config, log *slog.Logger, out io.Writer) error {
			co.Config, co.Logger, co.Out = cfg, log, out
			_, err := bench.RunCorrelate(ctx, co)
			return err
		}),
	}
	f = correlateCmd.Flags()
	f.IntVar(&co.Decisions, "decisions", 2000, "alerts correlated one by one, each timed (after as many untimed ones warm the state up)")
	f.IntVar(&co.IngestAlerts, "ingest-alerts", 10000, "alerts through the HTTP intake with correlation on (0: skip)")
	f.IntVar(&co.Batch, "batch", 500, "payloads per intake batch")
	f.IntVar(&co.Concurrency, "concurrency", 4, "concurrent intake clients")
	f.IntVar(&co.Incidents, "incidents", 10000, "incidents bulk-loaded for the list timing (issue goal: 100000; 0: skip)")
	f.IntVar(&co.LinkedAlerts, "linked-alerts", 100000, "linked alerts spread over those incidents (issue goal: 1000000)")
	f.IntVar(&co.Runs, "runs", 50, "executions of each list query")
	f.DurationVar(&co.Timeout, "timeout", 30*time.Minute, "upper bound for the run")
	var no bench.IntelOptions
	intelCmd := &cobra.Command{
		Use:   "intel",
		Short: "Import N indicators as STIX bundles and report import rate, index heap, match cost per alert and intake with matching vs COPY",
		Args:  cobra.NoArgs,
		RunE: c.benchRunE(func(ctx context.Context, cfg config.Config, log *slog.Logger, out io.Writer) error {
			no.Config, no.Logger, no.Out = cfg, log, out
			_, err := bench.RunIntel(ctx, no)
			return err
		}),
	}
	f = intelCmd.Flags()
	f.IntVar(&no.Indicators, "indicators", 1_000_000, "indicators to import into the bench org")
	f.IntVar(&no.Bundle, "bundle", 10000, "indicators per STIX bundle upload")
	f.IntVar(&no.MatchAlerts, "match-alerts", 20000, "generated alerts timed against the index")
	f.IntVar(&no.Repeat, "repeat", 10, "matches per timed alert (its cost is their mean)")
	f.IntVar(&no.Alerts, "alerts", 50000, "alerts then ingested over HTTP with matching (0: skip; PostgreSQL adds the COPY baseline)")
	f.IntVar(&no.Batch, "batch", 500, "payloads per intake batch")
	f.IntVar(&no.Concurrency, "concurrency", 4, "concurrent intake clients")
	f.StringVar(&no.CPUProfile, "cpuprofile", "", "write a CPU profile of the STIX import phase to this file (in-process: server and client)")
	f.StringVar(&no.IngestCPUProfile, "ingest-cpuprofile", "", "write a CPU profile of the intake run to this file")
	f.DurationVar(&no.Timeout, "timeout", 30*time.Minute, "upper bound for the run")
	var to bench.TimelineOptions
	timelineCmd := &cobra.Command{
		Use:   "timeline",
		Short: "Build one incident with N linked alerts (bulk load) plus notes, tasks and status changes and report timeline page p50/p95/p99 per shape",
		Args:  cobra.NoArgs,
		RunE: c.benchRunE(func(ctx context.Context, cfg config.Config, log *slog.Logger, out io.Writer) error {
			to.Config, to.Logger, to.Out = cfg, log, out
			_, err := bench.RunTimeline(ctx, to)
			return err
		}),
	}
	f = timelineCmd.Flags()
	f.IntVar(&to.Alerts, "alerts", 10000, "alerts linked to the incident (issue goal: 10000)")
	f.IntVar(&to.Notes, "notes", 300, "notes added over HTTP")
	f.IntVar(&to.Tasks, "tasks", 100, "tasks added over HTTP")
	f.IntVar(&to.StatusChanges, "status-changes", 100, "status changes over HTTP")
	f.IntVar(&to.Limit, "limit", 100, "page size")
	f.IntVar(&to.Runs, "runs", 50, "executions of each page shape")
	f.BoolVar(&to.Analyze, "analyze", true, "ANALYZE after loading (false: time never-analyzed tables)")
	f.DurationVar(&to.Timeout, "timeout", 15*time.Minute, "upper bound for the run")
	cmd.AddCommand(ingestCmd, queryCmd, streamCmd, slaCmd, correlateCmd, intelCmd, timelineCmd)
	return cmd
}

// benchRunE is the RunE of a bench subcommand: the configuration (logs at
// warn unless --log-level is given), then run with it.
func (c *cli) benchRunE(run func(ctx context.Context, cfg config.Config, log *slog.Logger, out io.Writer) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, _ []string) error {
		cfg, err := c.loadConfig(cmd)
		if err != nil {
			return err
		}
		if !cmd.Flags().Changed("log-level") {
			cfg.LogLevel = "warn"
		}
		return run(cmd.Context(), cfg, newLogger(cfg), cmd.OutOrStdout())
	}
}
