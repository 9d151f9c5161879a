package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/securenexus/securenexus/internal/app"
	"github.com/securenexus/securenexus/internal/attack"
)

func init() { extraCommands = append(extraCommands, (*cli).attackCmd) }

func (c *cli) attackCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "attack",
		Short: "Show or refresh the built-in MITRE ATT&CK mapping",
		Long: "The product maps technique ids to names and tactics with a built-in MITRE ATT&CK Enterprise catalog. " +
			"`attack refresh` rebuilds it from a STIX bundle you supply (enterprise-attack.json from github.com/mitre/cti) " +
			"into the data directory, where `serve` loads it at start instead of the built-in one.\n\n" + attack.Attribution,
	}
	cmd.AddCommand(c.attackRefreshCmd(), c.attackShowCmd())
	return cmd
}

func (c *cli) attackRefreshCmd() *cobra.Command {
	var stix, out string
	cmd := &cobra.Command{
		Use:   "refresh",
		Short: "Rebuild the ATT&CK mapping from a MITRE STIX bundle",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if stix == "" {
				return fmt.Errorf("--stix is required: the path of a MITRE ATT&CK STIX bundle")
			}
			if out == "" {
				cfg, err := c.loadConfig(cmd)
				if err != nil {
					return err
				}
				out = app.AttackCatalogPath(cfg)
			}
			cat, err := attack.ReadSTIXFile(stix)
			if err != nil {
				return err
			}
			b, err := cat.JSON()
			if err != nil {
				return err
			}
			if err := os.MkdirAll(filepath.Dir(out), 0o700); err != nil {
				return fmt.Errorf("create %s: %w", filepath.Dir(out), err)
			}
			tmp := out + ".tmp"
			if err := os.WriteFile(tmp, b, 0o600); err != nil {
				return fmt.Errorf("write ATT&CK catalog: %w", err)
			}
			if err := os.Rename(tmp, out); err != nil {
				return fmt.Errorf("install ATT&CK catalog: %w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: %d techniques, %d tactics (restart serve to use it)\n", out, cat.Len(), len(cat.Tactics()))
			return nil
		},
	}
	cmd.Flags().StringVar(&stix, "stix", "", "MITRE ATT&CK STIX 2.x bundle (enterprise-attack.json)")
	cmd.Flags().StringVar(&out, "out", "", "output file (default: attack-enterprise.json in the data directory, loaded by serve)")
	return cmd
}

func (c *cli) attackShowCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "show [technique-id...]",
		Short: "Show the catalog in use, or the named techniques",
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := c.loadConfig(cmd)
			if err != nil {
				return err
			}
			cat, _, err := app.AttackCatalog(cfg)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if len(args) == 0 {
				fmt.Fprintf(w, "%s\n%d techniques, %d tactics\n%s\n", cat.Source(), cat.Len(), len(cat.Tactics()), attack.Attribution)
				return nil
			}
			for _, id := range args {
				te, ok := cat.Technique(id)
				if !ok {
					return fmt.Errorf("technique %q is not in the catalog", id)
				}
				fmt.Fprintf(w, "%s\t%s\t%v\n", te.ID, te.Name, te.Tactics)
			}
			return nil
		},
	}
}
