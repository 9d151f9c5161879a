package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/google/uuid"
	"github.com/spf13/cobra"

	"github.com/securenexus/securenexus/internal/app"
	"github.com/securenexus/securenexus/internal/audit"
	"github.com/securenexus/securenexus/internal/db"
)

func init() { extraCommands = append(extraCommands, (*cli).auditCmd) }

func (c *cli) auditCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Verify and export the tamper-evident audit log",
		Long: "The audit log is one hash chain per org plus the platform chain. These commands connect as the " +
			"migrating (owner) role, not the application role, so they read every chain. See docs/security.md, \"Audit log\".",
	}
	cmd.AddCommand(c.auditVerifyCmd(), c.auditExportCmd())
	return cmd
}

// parseChain reads an org id or "platform".
func parseChain(s string) (uuid.UUID, error) {
	if s == "platform" {
		return uuid.Nil, nil
	}
	id, err := uuid.Parse(s)
	if err != nil || id == uuid.Nil {
		return uuid.Nil, fmt.Errorf("--org %q: want an org id or \"platform\"", s)
	}
	return id, nil
}

func (c *cli) openOwner(cmd *cobra.Command) (*db.DB, error) {
	cfg, err := c.loadConfig(cmd)
	if err != nil {
		return nil, err
	}
	newLogger(cfg)
	d, err := app.OpenDB(cmd.Context(), cfg, false)
	if err != nil {
		return nil, err
	}
	st, err := d.MigrationState(cmd.Context())
	if err != nil {
		_ = d.Close()
		return nil, err
	}
	if st.Pending() {
		_ = d.Close()
		return nil, fmt.Errorf("database schema is at version %d, this binary needs %d: run `securenexus migrate up`", st.Current, st.Latest)
	}
	return d, nil
}

func (c *cli) auditVerifyCmd() *cobra.Command {
	var orgs, anchors []string
	var file string
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Recompute every audit chain and report the first broken entry of each",
		Long: "Walks each chain in seq order, recomputing every hash. A changed field, a deleted or reordered entry, " +
			"or (with --anchor) deleted newest entries make it print the chain, seq, row id and what mismatched, and exit 1. " +
			"On success it prints the number of entries per chain and each chain's head as ORG:SEQ:HASH: keep these " +
			"outside the database and pass them back with --anchor to detect truncation later. " +
			"With --file it verifies an NDJSON export instead, without any database.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var opts audit.VerifyOptions
			for _, o := range orgs {
				id, err := parseChain(o)
				if err != nil {
					return err
				}
				opts.Orgs = append(opts.Orgs, id)
			}
			for _, a := range anchors {
				anc, err := audit.ParseAnchor(a)
				if err != nil {
					return err
				}
				opts.Anchors = append(opts.Anchors, anc)
			}
			if file != "" {
				if len(orgs) > 0 {
					return errors.New("--org and --file exclude each other: an export holds its own chains")
				}
				f, err := os.Open(file)
				if err != nil {
					return fmt.Errorf("audit verify: %w", err)
				}
				defer func() { _ = f.Close() }()
				rep, err := audit.VerifyNDJSON(f, opts.Anchors)
				if err != nil {
					return err
				}
				return printReport(cmd.OutOrStdout(), rep)
			}
			d, err := c.openOwner(cmd)
			if err != nil {
				return err
			}
			defer func() { _ = d.Close() }()
			rep, err := audit.Verify(cmd.Context(), d, opts)
			if err != nil {
				return err
			}
			return printReport(cmd.OutOrStdout(), rep)
		},
	}
	cmd.Flags().StringSliceVar(&orgs, "org", nil, "verify only this chain: an org id or \"platform\" (repeatable; default every chain)")
	cmd.Flags().StringVar(&file, "file", "", "verify this NDJSON export (from audit export or GET /api/v1/audit/export) instead of the database")
	cmd.Flags().StringSliceVar(&anchors, "anchor", nil, "a head kept from an earlier verify, ORG:SEQ:HASH, that must still be present (repeatable)")
	return cmd
}

func printReport(w io.Writer, rep audit.Report) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CHAIN\tENTRIES\tSTATUS\tHEAD (ORG:SEQ:HASH)")
	var total int64
	broken := 0
	for _, c := range rep.Chains {
		name := "platform"
		if c.OrgID != uuid.Nil {
			name = c.OrgID.String()
		}
		status, head := "ok", "-"
		if c.Head.Seq > 0 {
			head = c.Head.String()
		}
		if c.Break != nil {
			status, head = "BROKEN", "-"
			broken++
		}
		total += c.Entries
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", name, c.Entries, status, head)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if broken > 0 {
		for _, c := range rep.Chains {
			if c.Break != nil {
				fmt.Fprintln(w, "BROKEN:", c.Break.String())
			}
		}
		return fmt.Errorf("audit log verification failed: %d of %d chains broken", broken, len(rep.Chains))
	}
	_, err := fmt.Fprintf(w, "%d chains intact, %d entries verified\n", len(rep.Chains), total)
	return err
}

func (c *cli) auditExportCmd() *cobra.Command {
	var org, output string
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write one chain as NDJSON (one entry per line, oldest first)",
		Long: "Writes every entry of the chain with prev_hash and hash, the same format as GET /api/v1/audit/export, " +
			"so a copy can be verified without the database.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) (err error) {
			if org == "" {
				return errors.New("--org is required (an org id or \"platform\")")
			}
			id, err := parseChain(org)
			if err != nil {
				return err
			}
			d, err := c.openOwner(cmd)
			if err != nil {
				return err
			}
			defer func() { _ = d.Close() }()
			w := cmd.OutOrStdout()
			if output != "" && output != "-" {
				f, err := os.OpenFile(output, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
				if err != nil {
					return fmt.Errorf("audit export: %w", err)
				}
				defer func() {
					if cerr := f.Close(); cerr != nil && err == nil {
						err = fmt.Errorf("audit export: close %s: %w", output, cerr)
					}
				}()
				w = f
			}
			ctx := cmd.Context()
			n, err := audit.WriteNDJSON(ctx, w, func(fn func(audit.Stored) error) error {
				return audit.EachInChain(ctx, d, id, fn)
			})
			if err != nil {
				return err
			}
			if output != "" && output != "-" {
				fmt.Fprintf(cmd.ErrOrStderr(), "exported %d entries to %s\n", n, output)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&org, "org", "", "the chain to export: an org id or \"platform\"")
	cmd.Flags().StringVarP(&output, "output", "o", "", "write to this new file (mode 0600) instead of standard output")
	return cmd
}
