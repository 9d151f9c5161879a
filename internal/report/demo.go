package report

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/evidence"
	"github.com/securenexus/securenexus/internal/incident"
	"github.com/securenexus/securenexus/internal/tenant"
)

// DemoTag marks the demo incident (the loader finds it by this tag).
const DemoTag = "demo-report"

// DemoTitle is the demo incident's title.
const DemoTitle = "Demo: phishing mail to credential theft and staging"

// DemoAlerts reads stored alerts for the demo incident (the alerts store
// satisfies it).
type DemoAlerts interface {
	Window(ctx context.Context, scope tenant.Scope, from, to time.Time, limit int) ([]alert.Alert, bool, error)
}

// DemoIncidents is what the demo loader does with incidents (the incident
// store satisfies it).
type DemoIncidents interface {
	List(ctx context.Context, scope tenant.Scope, q incident.Query, after string, limit int) ([]incident.Incident, string, error)
	IncidentOf(ctx context.Context, scope tenant.Scope, alertID uuid.UUID) (uuid.UUID, error)
	Escalate(ctx context.Context, scope tenant.Scope, in incident.EscalateInput) (*incident.Incident, bool, error)
	Update(ctx context.Context, scope tenant.Scope, id uuid.UUID, c incident.ChangeSet) (*incident.Incident, error)
	AddNote(ctx context.Context, scope tenant.Scope, id uuid.UUID, in incident.NoteInput) (*incident.Note, error)
	MarkDecision(ctx context.Context, scope tenant.Scope, id, note uuid.UUID, decision bool) (*incident.Note, error)
}

// DemoEvidence collects the demo artifacts (the evidence store satisfies
// it).
type DemoEvidence interface {
	Add(ctx context.Context, scope tenant.Scope, incidentID uuid.UUID, up evidence.Upload, r io.Reader) (*evidence.Evidence, error)
}

// Demo is what the demo loader needs.
type Demo struct {
	Org       func(ctx context.Context) (uuid.UUID, error)
	Alerts    DemoAlerts
	Incidents DemoIncidents
	Evidence  DemoEvidence
}

// DemoArtifacts are the demo incident's evidence files (name → content).
var DemoArtifacts = []struct{ Name, Description, Content string }{
	{"reported-mail-headers.eml", "Headers of the phishing mail the user reported",
		"Received: from mail.invoice-portal.example (203.0.113.77)\r\nFrom: \"Accounts Payable\" <ap@invoice-portal.example>\r\n" +
			"To: j.doe@acme.example\r\nSubject: Überfällige Rechnung – bitte prüfen\r\nDate: Mon, 30 Nov 2026 08:12:44 +0000\r\n\r\n(body removed)\r\n"},
	{"edr-process-tree.txt", "EDR process tree of the first host, exported at containment",
		"WINWORD.EXE (4120)\n  cmd.exe /c powershell -enc SQBFAFgA... (5532)\n    powershell.exe (5540) -> 198.51.100.23:443\n      rundll32.exe comsvcs.dll MiniDump (6012)\n"},
}

// LoadDemo opens the demo org's report incident once: a few stored demo
// alerts across ATT&CK tactics, notes (one a decision), a task, two
// evidence files, the workflow to resolved and a post-incident review
// with a follow-up task. It reports false when the incident exists or the
// org has no free alerts yet.
func (m *Module) LoadDemo(ctx context.Context, d *Demo) (bool, error) {
	org, err := d.Org(ctx)
	if err != nil {
		return false, fmt.Errorf("report demo: demo org: %w", err)
	}
	scope := tenant.System(org, "demo")
	found, _, err := d.Incidents.List(ctx, scope, incident.Query{Tag: DemoTag}, "", 1)
	if err != nil {
		return false, fmt.Errorf("report demo: find incident: %w", err)
	}
	if len(found) > 0 {
		return false, nil
	}
	now := m.now()
	alerts, _, err := d.Alerts.Window(ctx, scope, now.AddDate(0, 0, -90), now.Add(time.Hour), 5000)
	if err != nil {
		return false, fmt.Errorf("report demo: alerts: %w", err)
	}
	picked, err := pickDemoAlerts(ctx, scope, d.Incidents, alerts)
	if err != nil {
		return false, err
	}
	if len(picked) == 0 {
		return false, nil
	}
	inc, _, err := d.Incidents.Escalate(ctx, scope, incident.EscalateInput{AlertIDs: picked, Title: DemoTitle, Severity: "high"})
	if err != nil {
		return false, fmt.Errorf("report demo: escalate: %w", err)
	}
	desc := "A user reported an invoice mail; the attachment ran PowerShell, dumped LSASS and staged files for upload."
	if _, err := d.Incidents.Update(ctx, scope, inc.ID, incident.ChangeSet{AddTags: []string{DemoTag, "phishing"}, Description: &desc}); err != nil {
		return false, fmt.Errorf("report demo: tag: %w", err)
	}
	step := func(st incident.Status, c incident.ChangeSet) error {
		c.Status = &st
		_, err := d.Incidents.Update(ctx, scope, inc.ID, c)
		return err
	}
	notes := []string{
		"Triage: the mail came from invoice-portal.example, first seen today; 3 recipients, 1 opened the attachment.",
		"Decision: isolate the first host and reset the user's credentials before hunting further (containment over evidence of intent).",
		"Containment done: host isolated through EDR, sessions revoked, sender domain blocked at the mail gateway.",
	}
	if err := step(incident.StatusInvestigating, incident.ChangeSet{}); err != nil {
		return false, fmt.Errorf("report demo: investigate: %w", err)
	}
	for i, body := range notes {
		n, err := d.Incidents.AddNote(ctx, scope, inc.ID, incident.NoteInput{Body: body})
		if err != nil {
			return false, fmt.Errorf("report demo: note %d: %w", i, err)
		}
		if strings.HasPrefix(body, "Decision:") {
			if _, err := d.Incidents.MarkDecision(ctx, scope, inc.ID, n.ID, true); err != nil {
				return false, fmt.Errorf("report demo: decision: %w", err)
			}
		}
	}
	for _, a := range DemoArtifacts {
		if _, err := d.Evidence.Add(ctx, scope, inc.ID, evidence.Upload{Name: a.Name, Description: a.Description, DeclaredType: "text/plain"},
			strings.NewReader(a.Content)); err != nil {
			return false, fmt.Errorf("report demo: evidence %s: %w", a.Name, err)
		}
	}
	if err := step(incident.StatusContained, incident.ChangeSet{}); err != nil {
		return false, fmt.Errorf("report demo: contain: %w", err)
	}
	disp, note := incident.DispositionTruePositive, "Credential theft confirmed; no data left the network."
	if err := step(incident.StatusResolved, incident.ChangeSet{Disposition: &disp, DispositionNote: &note}); err != nil {
		return false, fmt.Errorf("report demo: resolve: %w", err)
	}
	if _, err := m.SaveReview(ctx, scope, inc.ID, ReviewInput{
		RootCause:      "A macro-enabled invoice attachment passed the mail filter: the sender domain was two days old and not yet on any feed.",
		Impact:         "One workstation compromised, one account's credentials exposed for 40 minutes; no exfiltration observed.",
		LessonsLearned: "Block macro documents from external senders; alert on LSASS access by rundll32; shorten the isolation runbook.",
		FollowUps:      []FollowUpInput{{Title: "Block macro-enabled attachments from external senders"}, {Title: "Add a detection for comsvcs.dll MiniDump"}},
	}); err != nil {
		return false, fmt.Errorf("report demo: review: %w", err)
	}
	return true, nil
}

// pickDemoAlerts chooses up to eight free alerts: the earliest of each
// ATT&CK tactic in kill-chain order, topped up with untagged ones.
func pickDemoAlerts(ctx context.Context, scope tenant.Scope, inc DemoIncidents, alerts []alert.Alert) ([]uuid.UUID, error) {
	free := func(id uuid.UUID) (bool, error) {
		_, err := inc.IncidentOf(ctx, scope, id)
		if apperr.Is(err, apperr.KindNotFound) {
			return true, nil
		}
		return false, err
	}
	var out []uuid.UUID
	seen := map[string]bool{}
	for _, tactic := range incident.KillChain {
		for _, a := range alerts {
			if len(out) >= 6 || seen[tactic] || !slices.Contains(a.Tactics, tactic) || slices.Contains(out, a.ID) {
				continue
			}
			ok, err := free(a.ID)
			if err != nil {
				return nil, fmt.Errorf("report demo: alert incident: %w", err)
			}
			if ok {
				out = append(out, a.ID)
				seen[tactic] = true
			}
		}
	}
	for _, a := range alerts {
		if len(out) >= 8 {
			break
		}
		if len(a.Tactics) > 0 || slices.Contains(out, a.ID) {
			continue
		}
		ok, err := free(a.ID)
		if err != nil {
			return nil, fmt.Errorf("report demo: alert incident: %w", err)
		}
		if ok {
			out = append(out, a.ID)
		}
	}
	return out, nil
}
