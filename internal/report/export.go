package report

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/audit"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/tenant"
)

// Report formats.
const (
	FormatMarkdown = "markdown"
	FormatPDF      = "pdf"
)

// Custody purpose recorded in the exported entries of the artifacts a
// report's manifest lists.
const custodyPurpose = "incident_report"

// Export is one rendered report.
type Export struct {
	Format      string
	ContentType string
	FileName    string
	Content     []byte
	// SHA256 is the hex digest of Content (also in the audit entry).
	SHA256 string
}

// Export renders the incident's report in format (markdown or pdf). The
// signed evidence manifest is exported with it: every artifact gets an
// exported custody entry (purpose incident_report), in the same
// transaction as the audit entry incident.report_export, which records
// the format, the report's SHA-256 and the manifest's key.
func (m *Module) Export(ctx context.Context, scope tenant.Scope, id uuid.UUID, format string) (*Export, error) {
	out := &Export{Format: format}
	switch format {
	case FormatMarkdown:
		out.ContentType, out.FileName = "text/markdown; charset=utf-8", "incident-"+id.String()+".md"
	case FormatPDF:
		out.ContentType, out.FileName = "application/pdf", "incident-"+id.String()+".pdf"
	default:
		return nil, apperr.Validation("unknown report format", apperr.Field("query.format", "markdown or pdf"))
	}
	d, err := m.gather(ctx, scope, id)
	if err != nil {
		return nil, err
	}
	d.GeneratedAt, d.GeneratedBy = m.now(), scope.Actor()
	err = m.db.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		sm, err := m.evidence.ExportManifestFor(ctx, scope, id, custodyPurpose)
		if err != nil {
			return err
		}
		if err := d.setManifest(sm); err != nil {
			return err
		}
		if format == FormatPDF {
			out.Content, err = d.PDF()
		} else {
			out.Content, err = d.Markdown()
		}
		if err != nil {
			return err
		}
		sum := sha256.Sum256(out.Content)
		out.SHA256 = hex.EncodeToString(sum[:])
		details, err := json.Marshal(map[string]any{"format": format, "sha256": out.SHA256, "size": len(out.Content),
			"alerts": len(d.Alerts), "artifacts": len(d.manifest.Artifacts), "manifest_key_id": sm.Signature.KeyID})
		if err != nil {
			return fmt.Errorf("report: encode audit details: %w", err)
		}
		return audit.Record(ctx, tx, audit.Entry{OrgID: scope.Org(), Actor: scope.Actor(), Action: "incident.report_export",
			TargetType: "incident", TargetID: id.String(), Details: details})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
