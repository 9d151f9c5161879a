package main

import (
	"context"
	"fmt"
	"os"

	"github.com/google/uuid"
	"github.com/spf13/cobra"

	"github.com/securenexus/securenexus/internal/report"
	"github.com/securenexus/securenexus/internal/tenant"
)

func init() { extraCommands = append(extraCommands, (*cli).reportCmd) }

func (c *cli) reportCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Export incident reports (docs/reports.md)",
	}
	var orgID, incidentID, format, out string
	inc := &cobra.Command{
		Use:   "incident",
		Short: "Write an incident's report (Markdown or PDF) to a file or stdout",
		Long: "Renders the report the API serves at GET /api/v1/incidents/{id}/report, as system:cli: audited as " +
			"incident.report_export and recorded as an exported custody entry of every evidence artifact.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			org, err := uuid.Parse(orgID)
			if err != nil || org == uuid.Nil {
				return fmt.Errorf("--org %q: want an org id", orgID)
			}
			id, err := uuid.Parse(incidentID)
			if err != nil {
				return fmt.Errorf("--id %q: want an incident id", incidentID)
			}
			if format != report.FormatMarkdown && format != report.FormatPDF {
				return fmt.Errorf("--format %q: want markdown or pdf", format)
			}
			a, err := c.buildApp(cmd)
			if err != nil {
				return err
			}
			defer func() { _ = a.Close(context.Background()) }()
			ex, err := a.Modules.Report.Export(cmd.Context(), tenant.System(org, "cli"), id, format)
			if err != nil {
				return err
			}
			if out == "" || out == "-" {
				_, err = cmd.OutOrStdout().Write(ex.Content)
				return err
			}
			if err := os.WriteFile(out, ex.Content, 0o600); err != nil {
				return err
			}
			_, _ = fmt.Fprintf(cmd.ErrOrStderr(), "wrote %s (%d bytes, sha256 %s)\n", out, len(ex.Content), ex.SHA256)
			return nil
		},
	}
	inc.Flags().StringVar(&orgID, "org", "", "Org id (required)")
	inc.Flags().StringVar(&incidentID, "id", "", "Incident id (required)")
	inc.Flags().StringVar(&format, "format", report.FormatPDF, "markdown or pdf")
	inc.Flags().StringVar(&out, "out", "", "Output file (default: stdout)")
	_ = inc.MarkFlagRequired("org")
	_ = inc.MarkFlagRequired("id")
	cmd.AddCommand(inc)
	return cmd
}
