package main

import (
	"crypto/ed25519"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/securenexus/securenexus/internal/evidence"
)

func init() { extraCommands = append(extraCommands, (*cli).evidenceCmd) }

func (c *cli) evidenceCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "evidence", Short: "Work with evidence exports (docs/evidence.md)"}
	var pub string
	verify := &cobra.Command{
		Use:   "verify-manifest <file>",
		Short: "Verify a signed evidence manifest offline",
		Long: "Checks the Ed25519 signature over the manifest's canonical JSON and every artifact's hash-chained custody log. " +
			"--public-key pins the org's key (base64, PEM, the JSON of GET /api/v1/evidence-signing-key, or @file holding one of them); " +
			"without it the key embedded in the file is used, which proves the file is unchanged but not who signed it. " +
			"Needs no server or database; exits non-zero when anything fails.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := os.ReadFile(args[0])
			if err != nil {
				return fmt.Errorf("read manifest: %w", err)
			}
			var pinned ed25519.PublicKey
			if pub != "" {
				v := pub
				if name, ok := strings.CutPrefix(pub, "@"); ok {
					b, err := os.ReadFile(name)
					if err != nil {
						return fmt.Errorf("read public key: %w", err)
					}
					v = string(b)
				}
				if pinned, err = evidence.ParsePublicKey(v); err != nil {
					return err
				}
			}
			r, err := evidence.VerifyManifest(data, pinned)
			if err != nil {
				return fmt.Errorf("manifest verification FAILED: %w", err)
			}
			out := cmd.OutOrStdout()
			m := r.Manifest
			fmt.Fprintf(out, "manifest OK: incident %s of org %s, generated %s by %s, signed by key %s\n",
				m.IncidentID, m.OrgID, m.GeneratedAt.Format("2006-01-02T15:04:05Z07:00"), m.GeneratedBy, r.KeyID)
			for _, a := range m.Artifacts {
				fmt.Fprintf(out, "  %s  %s  %d bytes  %s  custody entries %d (chain intact)  integrity %s\n",
					a.SHA256, a.ID, a.Size, a.Name, len(a.Custody), a.Integrity)
			}
			if !r.KeyPinned {
				fmt.Fprintln(out, "note: checked against the key embedded in the file; pass --public-key with your org's key to prove who signed it")
			}
			return nil
		},
	}
	verify.Flags().StringVar(&pub, "public-key", "", "the org's public key (base64, PEM, signing-key JSON, or @file)")
	cmd.AddCommand(verify)
	return cmd
}
