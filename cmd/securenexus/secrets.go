package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/securenexus/securenexus/internal/app"
	"github.com/securenexus/securenexus/internal/platform/secrets"
)

func init() { extraCommands = append(extraCommands, (*cli).secretsCmd) }

func (c *cli) secretsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "secrets",
		Short: "Manage the keys that seal stored secrets",
		Long: "Webhook signing secrets, OIDC client secrets and TOTP seeds are sealed with keys derived from " +
			"SECURENEXUS_SECRET_KEY. See docs/security.md, \"Secrets at rest\".",
	}
	cmd.AddCommand(c.secretsRotateCmd())
	return cmd
}

func (c *cli) secretsRotateCmd() *cobra.Command {
	var batch int
	cmd := &cobra.Command{
		Use:   "rotate",
		Short: "Re-seal every stored secret under the current SECURENEXUS_SECRET_KEY",
		Long: "Run with the new key as SECURENEXUS_SECRET_KEY and the old one in SECURENEXUS_SECRET_KEYS_PREVIOUS " +
			"(the same settings the servers run with). Every sealed value not yet under the current key is opened, " +
			"sealed again, checked to open, and written, in batches of one transaction, each audited " +
			"(secrets.reseal). Values already under the current key are skipped, so an interrupted run resumes " +
			"when started again. Exits 1 if any value opens under none of the configured keys (those are left unchanged).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if batch < 1 || batch > 10000 {
				return errors.New("--batch: must be between 1 and 10000")
			}
			cfg, err := c.loadConfig(cmd)
			if err != nil {
				return err
			}
			kr, _, err := app.Keyring(cfg)
			if err != nil {
				return err
			}
			d, err := c.openOwner(cmd)
			if err != nil {
				return err
			}
			defer func() { _ = d.Close() }()
			res, err := secrets.Rotate(cmd.Context(), d, kr, app.SealedColumns(), secrets.RotateOptions{
				BatchSize: batch, Audit: app.SecretsAudit, Logger: newLogger(cfg)})
			_, _ = fmt.Fprintf(cmd.OutOrStdout(), "re-sealed %d, already current %d, failed %d (key id %s)\n",
				res.Resealed, res.Current, res.Failed, kr.CurrentID())
			return err
		},
	}
	cmd.Flags().IntVar(&batch, "batch", 200, "values re-sealed per transaction")
	return cmd
}
