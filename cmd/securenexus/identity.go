package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/google/uuid"
	"github.com/spf13/cobra"

	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
)

func init() {
	extraCommands = append(extraCommands, func(c *cli) *cobra.Command { return c.userCmd() })
}

func (c *cli) userCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Manage user accounts"}
	var email, name, newOrg, orgID, role string
	var passwordStdin bool
	create := &cobra.Command{
		Use:   "create",
		Short: "Create a local user, optionally with a new org they own or a role in an existing org",
		Long: "Create a local account. The password is read from stdin with --password-stdin; otherwise a random one is generated and printed once.\n\n" +
			"  securenexus user create --email admin@example.com --new-org \"Example SOC\"\n" +
			"  echo 'a long password' | securenexus user create --email a@example.com --org <org-id> --role analyst --password-stdin",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if newOrg != "" && orgID != "" {
				return errors.New("use either --new-org or --org, not both")
			}
			var org uuid.UUID
			if orgID != "" {
				var err error
				if org, err = uuid.Parse(orgID); err != nil {
					return fmt.Errorf("--org: %w", err)
				}
			}
			password, generated, err := readPassword(cmd.InOrStdin(), passwordStdin)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			a, err := c.buildApp(cmd)
			if err != nil {
				return err
			}
			defer func() { _ = a.Close(context.Background()) }()
			svc := a.Modules.Identity
			u, err := svc.Store.CreateUser(ctx, email, name, password)
			if err != nil {
				return fmt.Errorf("create user: %w", err)
			}
			out := cmd.OutOrStdout()
			_, _ = fmt.Fprintf(out, "user %s created (id %s)\n", u.Email, u.ID)
			if generated {
				_, _ = fmt.Fprintf(out, "password (shown once): %s\n", password)
			}
			switch {
			case newOrg != "":
				o, err := svc.Store.CreateOrg(ctx, newOrg, u.ID)
				if err != nil {
					return fmt.Errorf("create org: %w", err)
				}
				_, _ = fmt.Fprintf(out, "org %q created (id %s), %s is its owner\n", o.Name, o.ID, u.Email)
			case org != uuid.Nil:
				if _, err := svc.Store.AddMember(ctx, tenant.System(org, "cli"), u.ID, role); err != nil {
					return fmt.Errorf("add membership: %w", err)
				}
				_, _ = fmt.Fprintf(out, "%s is %s in org %s\n", u.Email, role, org)
			}
			return nil
		},
	}
	create.Flags().StringVar(&email, "email", "", "Email address (required)")
	create.Flags().StringVar(&name, "name", "", "Display name")
	create.Flags().StringVar(&newOrg, "new-org", "", "Create an org with this name owned by the new user")
	create.Flags().StringVar(&orgID, "org", "", "Existing org id to add the user to")
	create.Flags().StringVar(&role, "role", rbac.RoleViewer, "Role in --org (built-in or custom role name)")
	create.Flags().BoolVar(&passwordStdin, "password-stdin", false, "Read the password from the first line of stdin")
	_ = create.MarkFlagRequired("email")

	var resetEmail string
	resetMFA := &cobra.Command{
		Use:   "reset-mfa",
		Short: "Turn off a user's TOTP MFA (lost device); they enrol again after signing in",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			a, err := c.buildApp(cmd)
			if err != nil {
				return err
			}
			defer func() { _ = a.Close(context.Background()) }()
			svc := a.Modules.Identity
			u, err := svc.Store.UserByEmail(ctx, resetEmail)
			if err != nil {
				return fmt.Errorf("find user: %w", err)
			}
			if err := svc.Store.DisableTOTP(ctx, u.ID, "", true); err != nil {
				return err
			}
			_, _ = fmt.Fprintf(cmd.OutOrStdout(), "MFA turned off for %s\n", u.Email)
			return nil
		},
	}
	resetMFA.Flags().StringVar(&resetEmail, "email", "", "Email address (required)")
	_ = resetMFA.MarkFlagRequired("email")
	cmd.AddCommand(create, resetMFA)
	return cmd
}

func readPassword(in io.Reader, fromStdin bool) (string, bool, error) {
	if !fromStdin {
		var b [18]byte
		if _, err := rand.Read(b[:]); err != nil {
			return "", false, fmt.Errorf("generate password: %w", err)
		}
		return base64.RawURLEncoding.EncodeToString(b[:]), true, nil
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", false, fmt.Errorf("read password: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", false, errors.New("--password-stdin: empty password")
	}
	return pw, false, nil
}
