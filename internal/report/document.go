package report

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/securenexus/securenexus/internal/attack"
	"github.com/securenexus/securenexus/internal/evidence"
	"github.com/securenexus/securenexus/internal/incident"
)

// A document is the report as a list of blocks; the Markdown and the PDF
// renderers draw the same blocks, so both formats say the same.
type blockKind int

const (
	bTitle blockKind = iota
	bH1
	bH2
	bPara
	bFields
	bTable
	bNote
	bCode
)

type block struct {
	kind   blockKind
	text   string
	fields [][2]string
	header []string
	rows   [][]string
	widths []float64 // table column shares (sum 1)
	mono   []bool    // table columns in a monospaced font
	// mono fields (values) for bFields.
	monoValues map[string]bool
}

const timeLayout = "2006-01-02 15:04:05Z"

func ts(t time.Time) string { return t.UTC().Format(timeLayout) }

func tsp(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return ts(*t)
}

func dur(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	d = d.Round(time.Second)
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	switch {
	case h >= 48:
		return fmt.Sprintf("%dd %dh %dm", h/24, h%24, m)
	case h > 0:
		return fmt.Sprintf("%dh %dm", h, m)
	case m > 0:
		return fmt.Sprintf("%dm %ds", m, s)
	}
	return fmt.Sprintf("%ds", s)
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

func tacticName(short string) string {
	if t, ok := attack.Default().Tactic(short); ok {
		return t.Name + " (" + t.ID + ")"
	}
	return short
}

func techniqueName(id string) string {
	if t, ok := attack.Lookup(id); ok {
		return id + " " + t.Name
	}
	return id
}

// primaryTactic is an alert's earliest tactic in kill-chain order ("" if
// none is known).
func primaryTactic(tactics []string) string {
	best, stage := "", len(incident.KillChain)
	for _, t := range tactics {
		if s := incident.TacticStage(t); s >= 0 && s < stage {
			best, stage = t, s
		}
	}
	return best
}

// stageOf orders tactics by kill chain, unknown ones last.
func stageOf(t string) int {
	if s := incident.TacticStage(t); s >= 0 {
		return s
	}
	return len(incident.KillChain)
}

func humanKind(k string) string {
	return strings.ToUpper(k[:1]) + strings.ReplaceAll(k[1:], "_", " ")
}

// document lays the report out; where says where the signed manifest
// travels with it (attached to the PDF, appended to the Markdown).
func (d *Data) document(where string) []block {
	inc := d.Incident
	var doc []block
	add := func(b block) { doc = append(doc, b) }
	add(block{kind: bTitle, text: "Incident report: " + inc.Title})
	add(block{kind: bPara, text: fmt.Sprintf("Generated %s by %s. Incident %s.", ts(d.GeneratedAt), d.actor(d.GeneratedBy), inc.ID)})

	// Summary.
	add(block{kind: bH1, text: "Summary"})
	disp := orDash(string(inc.Disposition))
	if inc.DispositionNote != "" {
		disp += " - " + inc.DispositionNote
	}
	responders := make([]string, len(inc.Responders))
	for i := range inc.Responders {
		responders[i] = d.user(&inc.Responders[i])
	}
	f := [][2]string{
		{"Title", inc.Title}, {"Incident", inc.ID.String()}, {"Severity", inc.Severity}, {"Priority", string(inc.Priority)},
		{"Status", string(inc.Status)}, {"Disposition", disp}, {"Type", orDash(inc.Type)}, {"Assignee", d.user(inc.Assignee)},
		{"Responders", orDash(strings.Join(responders, ", "))}, {"Tags", orDash(strings.Join(inc.Tags, ", "))},
		{"Opened", ts(inc.CreatedAt) + " by " + d.actor(inc.CreatedBy)}, {"Acknowledged", tsp(inc.AcknowledgedAt)},
		{"Resolved", tsp(inc.ResolvedAt)}, {"Closed", tsp(inc.ClosedAt)},
	}
	if inc.AcknowledgedAt != nil {
		f = append(f, [2]string{"Time to acknowledge", dur(inc.AcknowledgedAt.Sub(inc.CreatedAt))})
	}
	if inc.ResolvedAt != nil {
		f = append(f, [2]string{"Time to resolve", dur(inc.ResolvedAt.Sub(inc.CreatedAt))})
	}
	if s := inc.SLA; s != nil {
		target := func(name string, t incident.SLATarget) {
			v := fmt.Sprintf("%s, target %s", t.State, dur(time.Duration(t.TargetSeconds)*time.Second))
			switch {
			case t.MetAt != nil:
				v += ", met " + ts(*t.MetAt)
			case t.DueAt != nil:
				v += ", due " + ts(*t.DueAt)
			}
			if t.BreachedAt != nil {
				v += ", breached " + ts(*t.BreachedAt)
			}
			f = append(f, [2]string{"SLA " + name, v})
		}
		f = append(f, [2]string{"SLA", fmt.Sprintf("%s (%s, %s hours)", s.State, orDash(s.Policy), s.Hours)})
		target("acknowledge", s.Acknowledge)
		target("resolve", s.Resolve)
	} else {
		f = append(f, [2]string{"SLA", "no SLA policy applies"})
	}
	ordered := slices.Clone(inc.Tactics)
	slices.SortStableFunc(ordered, func(a, b string) int { return stageOf(a) - stageOf(b) })
	tactics := make([]string, len(ordered))
	for i, t := range ordered {
		tactics[i] = tacticName(t)
	}
	techniques := make([]string, len(inc.Techniques))
	for i, t := range inc.Techniques {
		techniques[i] = techniqueName(t)
	}
	f = append(f, [2]string{"Alerts", strconv.Itoa(inc.AlertCount)}, [2]string{"ATT&CK tactics", orDash(strings.Join(tactics, ", "))},
		[2]string{"ATT&CK techniques", orDash(strings.Join(techniques, ", "))})
	add(block{kind: bFields, fields: f, monoValues: map[string]bool{"Incident": true}})
	if strings.TrimSpace(inc.Description) != "" {
		add(block{kind: bPara, text: inc.Description})
	}

	// Timeline by tactic.
	add(block{kind: bH1, text: "Timeline by ATT&CK tactic"})
	groups := map[string][]incident.LinkedAlert{}
	for _, a := range d.Alerts {
		p := primaryTactic(a.Tactics)
		groups[p] = append(groups[p], a)
	}
	alertTable := func(as []incident.LinkedAlert) block {
		b := block{kind: bTable, header: []string{"Event time (UTC)", "Severity", "Alert", "Techniques"}, widths: []float64{0.2, 0.1, 0.5, 0.2}}
		for _, a := range as {
			text := a.Title
			var meta []string
			if a.Rule != "" {
				meta = append(meta, "rule "+a.Rule)
			}
			meta = append(meta, "source "+a.Source)
			if others := slices.DeleteFunc(slices.Clone(a.Tactics), func(t string) bool { return t == primaryTactic(a.Tactics) }); len(others) > 0 {
				meta = append(meta, "also "+strings.Join(others, ", "))
			}
			text += "\n" + strings.Join(meta, " · ")
			b.rows = append(b.rows, []string{ts(a.EventTime), a.Severity, text, orDash(strings.Join(a.Techniques, ", "))})
		}
		return b
	}
	if len(d.Alerts) == 0 {
		add(block{kind: bPara, text: "No alert is linked to this incident."})
	}
	for _, t := range incident.KillChain {
		if as := groups[t]; len(as) > 0 {
			add(block{kind: bH2, text: fmt.Sprintf("%s - %d alert%s", tacticName(t), len(as), plural(len(as)))})
			add(alertTable(as))
		}
	}
	if as := groups[""]; len(as) > 0 {
		add(block{kind: bH2, text: fmt.Sprintf("No ATT&CK tactic - %d alert%s", len(as), plural(len(as)))})
		add(alertTable(as))
	}
	if d.AlertsLeftOut > 0 {
		add(block{kind: bPara, text: fmt.Sprintf("%d more alerts are linked but left out of this report (it shows the first %d); the incident's alert list has them all.", d.AlertsLeftOut, MaxReportAlerts)})
	}
	add(block{kind: bH2, text: "Response activity"})
	add(d.activity())

	// Entities and indicators.
	add(block{kind: bH1, text: "Entities and indicators"})
	ents, left := d.entities()
	if len(ents) == 0 {
		add(block{kind: bPara, text: "The incident's alerts carry no entity."})
	} else {
		b := block{kind: bTable, header: []string{"Type", "Value", "Roles", "Alerts", "First seen", "Last seen"},
			widths: []float64{0.1, 0.36, 0.12, 0.08, 0.17, 0.17}, mono: []bool{false, true}}
		for _, e := range ents {
			b.rows = append(b.rows, []string{string(e.Type), e.Value, orDash(strings.Join(e.Roles, ", ")), strconv.Itoa(e.Alerts), ts(e.First), ts(e.Last)})
		}
		add(b)
		if left > 0 {
			add(block{kind: bPara, text: fmt.Sprintf("%d less frequent entities left out.", left)})
		}
	}
	add(block{kind: bH2, text: "Threat-intel matches"})
	switch inds := d.indicators(); {
	case d.IntelMissing:
		add(block{kind: bPara, text: "Threat intel is not available to reports on this server."})
	case len(inds) == 0:
		add(block{kind: bPara, text: "No indicator matched the incident's alerts."})
	default:
		b := block{kind: bTable, header: []string{"Type", "Indicator", "Roles", "Alerts", "Found by", "False positive"},
			widths: []float64{0.12, 0.4, 0.12, 0.08, 0.16, 0.12}, mono: []bool{false, true}}
		for _, r := range inds {
			fp := "no"
			if r.FalsePositive {
				fp = "yes"
			}
			b.rows = append(b.rows, []string{r.Type, r.Value, orDash(strings.Join(r.Roles, ", ")), strconv.Itoa(r.Alerts), strings.Join(r.Sources, ", "), fp})
		}
		add(b)
	}

	// Actions and decisions.
	add(block{kind: bH1, text: "Actions and decisions"})
	add(block{kind: bH2, text: "Decision log"})
	decided := 0
	for _, n := range d.Notes {
		if n.DecisionAt == nil {
			continue
		}
		decided++
		add(block{kind: bNote, fields: [][2]string{{"Decision " + ts(*n.DecisionAt) + " · marked by " + d.actor(n.DecisionBy) + " · note by " + d.actor(n.Author),
			d.mentions(n.Body)}}})
	}
	if decided == 0 {
		add(block{kind: bPara, text: "No note was marked as a decision."})
	}
	add(block{kind: bH2, text: "Notes"})
	if len(d.Notes) == 0 {
		add(block{kind: bPara, text: "No note was written."})
	}
	for _, n := range d.Notes {
		head := ts(n.CreatedAt) + " · " + d.actor(n.Author)
		if n.Revisions > 0 {
			head += fmt.Sprintf(" (edited %d time%s, last %s)", n.Revisions, plural(n.Revisions), ts(n.UpdatedAt))
		}
		add(block{kind: bNote, fields: [][2]string{{head, d.mentions(n.Body)}}})
	}
	add(block{kind: bH2, text: "Tasks"})
	if len(d.Tasks) == 0 {
		add(block{kind: bPara, text: "No task was recorded."})
	} else {
		b := block{kind: bTable, header: []string{"#", "Task", "Status", "Assignee", "Due"}, widths: []float64{0.05, 0.45, 0.12, 0.22, 0.16}}
		for _, t := range d.Tasks {
			due := "-"
			if t.DueAt != nil {
				due = ts(*t.DueAt)
			}
			b.rows = append(b.rows, []string{strconv.Itoa(t.Position), t.Title, string(t.Status), d.user(t.Assignee), due})
		}
		add(b)
	}

	// Evidence manifest.
	add(block{kind: bH1, text: "Evidence manifest"})
	d.evidenceBlocks(add, where)

	// Review.
	add(block{kind: bH1, text: "Post-incident review"})
	d.reviewBlocks(add)

	add(block{kind: bPara, text: attack.Attribution})
	return doc
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// activity is the chronological response log: state changes, notes and
// evidence collection.
func (d *Data) activity() block {
	type entry struct {
		at              time.Time
		actor, category string
		text            string
	}
	var es []entry
	for _, c := range d.Changes {
		text := humanKind(c.Kind)
		switch {
		case c.From != "" && c.To != "":
			text += ": " + c.From + " → " + c.To
		case c.To != "":
			text += ": " + c.To
		case c.From != "":
			text += ": " + c.From
		}
		if c.Kind == "assignee" {
			text = "Assignee: " + d.userString(c.From) + " → " + d.userString(c.To)
		}
		es = append(es, entry{c.At, d.actor(c.Actor), "change", text})
	}
	for _, n := range d.Notes {
		body := d.mentions(n.Body)
		if r := []rune(body); len(r) > 300 {
			body = string(r[:300]) + "…"
		}
		es = append(es, entry{n.CreatedAt, d.actor(n.Author), "note", body})
	}
	for _, a := range d.manifest.Artifacts {
		es = append(es, entry{a.CollectedAt, d.actor(a.CollectedBy), "evidence", "Collected " + a.Name + " (" + strconv.FormatInt(a.Size, 10) + " bytes)"})
	}
	slices.SortStableFunc(es, func(a, b entry) int { return a.at.Compare(b.at) })
	b := block{kind: bTable, header: []string{"Time (UTC)", "Who", "Kind", "Entry"}, widths: []float64{0.2, 0.22, 0.1, 0.48}}
	for _, e := range es {
		b.rows = append(b.rows, []string{ts(e.at), e.actor, e.category, e.text})
	}
	if d.ChangesLeft {
		b.rows = append(b.rows, []string{"", "", "", fmt.Sprintf("Only the first %d state changes are shown.", MaxReportChanges)})
	}
	if len(b.rows) == 0 {
		return block{kind: bPara, text: "No response activity was recorded."}
	}
	return b
}

func (d *Data) userString(s string) string {
	if s == "" {
		return "unassigned"
	}
	if n, ok := d.names[s]; ok {
		return n
	}
	return s
}

func (d *Data) evidenceBlocks(add func(block), where string) {
	m := d.manifest
	if d.Manifest == nil {
		add(block{kind: bPara, text: "The evidence manifest was not exported."})
		return
	}
	add(block{kind: bFields, fields: [][2]string{
		{"Format", m.Format}, {"Generated", ts(m.GeneratedAt) + " by " + d.actor(m.GeneratedBy)}, {"Artifacts", strconv.Itoa(len(m.Artifacts))},
		{"Signature", d.Manifest.Signature.Algorithm + ", key " + d.Manifest.Signature.KeyID}, {"Public key", d.Manifest.Signature.PublicKey},
		{"Signature value", d.Manifest.Signature.Value},
	}, monoValues: map[string]bool{"Public key": true, "Signature value": true}})
	add(block{kind: bPara, text: "The signed manifest is " + where + ". Verify it offline with securenexus evidence verify-manifest, " +
		"pinning the organization's key from GET /api/v1/evidence-signing-key. Exporting this report recorded an exported custody entry for every artifact."})
	if len(m.Artifacts) == 0 {
		add(block{kind: bPara, text: "No evidence was collected for this incident."})
		return
	}
	for _, a := range m.Artifacts {
		counts := map[string]int{}
		for _, c := range a.Custody {
			counts[c.Action]++
		}
		var parts []string
		for _, act := range []string{evidence.ActionCollected, evidence.ActionViewed, evidence.ActionDownloaded, evidence.ActionExported,
			evidence.ActionVerified, evidence.ActionIntegrityFailed} {
			if counts[act] > 0 {
				parts = append(parts, fmt.Sprintf("%s %d", strings.ReplaceAll(act, "_", " "), counts[act]))
			}
		}
		chain := "chain verified"
		if at, why := evidence.VerifyCustody(a.Custody); at != 0 {
			chain = fmt.Sprintf("chain BROKEN at entry %d: %s", at, why)
		}
		custody := fmt.Sprintf("%d entr%s (%s); %s", len(a.Custody), map[bool]string{true: "y", false: "ies"}[len(a.Custody) == 1], strings.Join(parts, ", "), chain)
		last := "-"
		if n := len(a.Custody); n > 0 {
			c := a.Custody[n-1]
			last = fmt.Sprintf("%s %s by %s", c.Action, ts(c.At), d.actor(c.Actor))
		}
		collected := ts(a.CollectedAt) + " by " + d.actor(a.CollectedBy)
		if len(a.Custody) > 0 && a.Custody[0].IP != "" {
			collected += " from " + a.Custody[0].IP
		}
		add(block{kind: bH2, text: a.Name})
		add(block{kind: bFields, fields: [][2]string{
			{"Artifact", a.ID.String()}, {"SHA-256", a.SHA256}, {"Size", strconv.FormatInt(a.Size, 10) + " bytes"}, {"Content type", a.ContentType},
			{"Collected", collected}, {"Integrity", a.Integrity},
			{"Custody", custody}, {"Last custody entry", last},
		}, monoValues: map[string]bool{"SHA-256": true, "Artifact": true}})
	}
}

func (d *Data) reviewBlocks(add func(block)) {
	r := d.Review
	if r == nil || !r.Exists {
		if d.Incident.Status.Open() {
			add(block{kind: bPara, text: "No post-incident review yet: it is written once the incident is resolved or closed."})
		} else {
			add(block{kind: bPara, text: "No post-incident review has been written."})
		}
		return
	}
	add(block{kind: bPara, text: fmt.Sprintf("Written by %s on %s; last updated by %s on %s (version %d).",
		d.actor(r.CreatedBy), tsp(r.CreatedAt), d.actor(r.UpdatedBy), tsp(r.UpdatedAt), r.Version)})
	for _, s := range [][2]string{{"Root cause", r.RootCause}, {"Impact", r.Impact}, {"Lessons learned", r.LessonsLearned}} {
		add(block{kind: bH2, text: s[0]})
		add(block{kind: bPara, text: orDash(s[1])})
	}
	add(block{kind: bH2, text: "Follow-up tasks"})
	if len(r.FollowUps) == 0 {
		add(block{kind: bPara, text: "None."})
		return
	}
	b := block{kind: bTable, header: []string{"Task", "Status", "Assignee", "Due"}, widths: []float64{0.5, 0.14, 0.2, 0.16}}
	for _, f := range r.FollowUps {
		b.rows = append(b.rows, []string{f.Title, string(f.Status), d.user(f.Assignee), tsp(f.DueAt)})
	}
	add(b)
}
