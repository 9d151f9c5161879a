// Which cached queries of the incident page an event of the live stream
// changes, and how the event reads in the activity list. Pure functions
// (unit-tested); the hook is in live.tsx.

/** Query names (the third part of an org key) a kind makes stale. "*" = every query of the incident. */
export function liveTargets(kind: string): string[] {
  const k = kind.replace(/\.v\d+$/, "");
  switch (k) {
    case "incident.updated":
      return ["incident", "incident-timeline", "warroom-timeline"];
    case "incident.alerts_linked":
    case "incident.alerts_unlinked":
      return ["incident", "incident-alerts", "incident-timeline", "warroom-timeline"];
    case "incident.note_added":
      return ["incident-notes", "incident-timeline", "warroom-timeline", "warroom-decisions"];
    case "incident.note_edited":
      return ["incident-notes", "note-revisions", "incident-timeline", "warroom-timeline", "warroom-decisions"];
    case "incident.task_added":
    case "incident.task_updated":
    case "incident.task_deleted":
      return ["incident-tasks", "incident-timeline", "warroom-timeline"];
    case "incident.sla_paused":
    case "incident.sla_resumed":
    case "incident.sla_warning":
    case "incident.sla_breached":
      return ["incident", "incident-timeline", "warroom-timeline"];
    case "evidence.added":
    case "evidence.integrity_failed":
    case "evidence.viewed":
    case "evidence.downloaded":
    case "evidence.exported":
      return ["incident-evidence", "incident-evidence-custody", "incident-timeline", "warroom-timeline"];
    case "incident.review_updated":
      return ["incident-review", "incident-tasks", "warroom-timeline"];
    case "incident.decision_marked":
    case "incident.decision_unmarked":
      return ["incident-notes", "warroom-decisions", "incident-timeline", "warroom-timeline"];
    case "timeline.entry_added":
    case "timeline.entry_updated":
    case "timeline.entry_deleted":
    case "timeline.annotation_added":
    case "timeline.annotation_updated":
    case "timeline.annotation_deleted":
      return ["warroom-timeline"];
    case "presence.joined":
    case "presence.left":
      // Applied to the cached viewer list directly (Presence.tsx).
      return [];
    default:
      // Merges, splits and kinds this build does not know yet (timeline
      // entries, decisions, reviews): refresh everything of the incident.
      return ["*"];
  }
}

const VERBS: Record<string, string> = {
  "incident.updated": "changed the incident",
  "incident.alerts_linked": "added alerts",
  "incident.alerts_unlinked": "detached an alert",
  "incident.note_added": "added a note",
  "incident.note_edited": "edited a note",
  "incident.task_added": "added a task",
  "incident.task_updated": "updated a task",
  "incident.task_deleted": "deleted a task",
  "incident.sla_paused": "paused the SLA",
  "incident.sla_resumed": "resumed the SLA",
  "incident.sla_warning": "SLA warning",
  "incident.sla_breached": "SLA breached",
  "incident.merged": "merged incidents into this one",
  "incident.split": "split alerts off",
  "evidence.added": "added evidence",
  "incident.review_updated": "saved the post-incident review",
  "incident.decision_marked": "marked a note as a decision",
  "incident.decision_unmarked": "unmarked a decision",
  "timeline.entry_added": "added a timeline entry",
  "timeline.entry_updated": "changed a timeline entry",
  "timeline.entry_deleted": "deleted a timeline entry",
  "timeline.annotation_added": "annotated the timeline",
  "timeline.annotation_updated": "edited an annotation",
  "timeline.annotation_deleted": "deleted an annotation",
  "presence.joined": "opened the incident",
  "presence.left": "left the incident",
  "evidence.integrity_failed": "evidence integrity check failed",
};

/** describeEvent reads an event as a short phrase, using its details where they say more than the kind. */
export function describeEvent(kind: string, payload: unknown): string {
  const d = (payload as { details?: { changed?: unknown; status?: unknown } } | null)?.details;
  if (kind.startsWith("incident.updated.") && d && Array.isArray(d.changed) && d.changed.length > 0) {
    const changed = d.changed.filter((x): x is string => typeof x === "string").map((x) => x.replace(/_/g, " "));
    const parts = changed.map((c) => (c === "status" && typeof d.status === "string" ? `status to ${d.status}` : c));
    return `changed ${parts.join(", ")}`;
  }
  return describeKind(kind);
}

/** describeKind reads a kind as a short phrase ("added a note"); unknown kinds by their name. */
export function describeKind(kind: string): string {
  const k = kind.replace(/\.v\d+$/, "");
  return VERBS[k] ?? k.replace(/^[a-z_]+\./, "").replace(/_/g, " ");
}

/** Whether the kind is raised by the system rather than a person (no "who"). */
export function systemKind(kind: string): boolean {
  return /sla_(warning|breached)|integrity_failed/.test(kind);
}
