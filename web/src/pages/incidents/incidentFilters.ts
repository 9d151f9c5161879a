// Incident list filters live in the URL (shareable, back/forward work).
import { INCIDENT_SEVERITIES, INCIDENT_STATUSES, type IncidentFilters, type IncidentSLA, type IncidentStatus, type SLAState } from "../../api/types";

const SORTS = ["created_at", "updated_at", "severity"] as const;

/** SLA_STATES are the SLA states the list filters on. */
export const SLA_STATES: SLAState[] = ["breached", "warning", "ok", "paused", "met"];

/** incidentFiltersFromParams reads incident filters from the URL query (unknown values are dropped). */
export function incidentFiltersFromParams(p: URLSearchParams): IncidentFilters {
  const f: IncidentFilters = {};
  const status = p.getAll("status").filter((s) => (INCIDENT_STATUSES as string[]).includes(s));
  if (status.length) f.status = status;
  const severity = p.getAll("severity").filter((s) => (INCIDENT_SEVERITIES as string[]).includes(s));
  if (severity.length) f.severity = severity;
  const sla = p.getAll("sla").filter((s) => (SLA_STATES as string[]).includes(s));
  if (sla.length) f.sla = sla;
  const assignee = p.get("assignee");
  if (assignee) f.assignee = assignee;
  const tag = p.get("tag")?.trim();
  if (tag) f.tag = tag;
  const sort = p.get("sort");
  if (sort && (SORTS as readonly string[]).includes(sort)) f.sort = sort as IncidentFilters["sort"];
  if (p.get("order") === "asc") f.order = "asc";
  return f;
}

/** incidentFiltersToParams writes incident filters into a URL query (stable key order). */
export function incidentFiltersToParams(f: IncidentFilters): URLSearchParams {
  const p = new URLSearchParams();
  for (const s of f.status ?? []) p.append("status", s);
  for (const s of f.severity ?? []) p.append("severity", s);
  for (const s of f.sla ?? []) p.append("sla", s);
  if (f.assignee) p.set("assignee", f.assignee);
  if (f.tag) p.set("tag", f.tag);
  if (f.sort && f.sort !== "created_at") p.set("sort", f.sort);
  if (f.order === "asc") p.set("order", "asc");
  return p;
}

/** OPEN_STATUSES are the statuses work is not finished in. */
export const OPEN_STATUSES: IncidentStatus[] = ["new", "acknowledged", "investigating", "contained"];

/**
 * nextStatuses lists the statuses an incident may move to, as the server
 * allows them (internal/incident.CanTransition): forward along the
 * workflow (steps may be skipped), contained back to investigating,
 * resolved to closed, and reopen (resolved or closed to investigating).
 */
export function nextStatuses(from: IncidentStatus): IncidentStatus[] {
  const rank = INCIDENT_STATUSES.indexOf(from);
  if (from === "resolved") return ["closed", "investigating"];
  if (from === "closed") return ["investigating"];
  const out = INCIDENT_STATUSES.filter((_, i) => i > rank);
  if (from === "contained") out.unshift("investigating");
  return out;
}

/** needsDisposition tells whether moving to this status asks for a disposition. */
export function needsDisposition(to: IncidentStatus): boolean {
  return to === "resolved" || to === "closed";
}

/** transitionLabel names the action of moving to a status. */
export function transitionLabel(from: IncidentStatus, to: IncidentStatus): string {
  if (to === "investigating" && (from === "resolved" || from === "closed")) return "Reopen";
  if (to === "investigating" && from === "contained") return "Back to investigating";
  return { new: "New", acknowledged: "Acknowledge", investigating: "Investigate", contained: "Contain", resolved: "Resolve", closed: "Close" }[to];
}

/** Mention tokens: `<@user-id>` in a note body. */
const MENTION = /<@([0-9a-fA-F-]{36})>/g;

/** splitMentions cuts a note body into text and mentioned user ids, for rendering. */
export function splitMentions(body: string): ({ text: string } | { user: string })[] {
  const out: ({ text: string } | { user: string })[] = [];
  let last = 0;
  for (const m of body.matchAll(MENTION)) {
    if (m.index > last) out.push({ text: body.slice(last, m.index) });
    out.push({ user: m[1]!.toLowerCase() });
    last = m.index + m[0].length;
  }
  if (last < body.length) out.push({ text: body.slice(last) });
  return out;
}

/**
 * mentionQuery finds an @mention being typed just before the caret:
 * "ping @ri" with the caret at the end gives {start: 5, query: "ri"}.
 */
export function mentionQuery(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret);
  const m = /(^|\s)@([\p{L}\p{N}._-]{0,40})$/u.exec(before);
  if (!m) return null;
  return { start: before.length - m[2]!.length - 1, query: m[2]! };
}

/** insertMention replaces the typed @query with the member's token and a space. */
export function insertMention(text: string, start: number, caret: number, userId: string): { text: string; caret: number } {
  const token = `<@${userId}> `;
  return { text: text.slice(0, start) + token + text.slice(caret), caret: start + token.length };
}

/** slaDue is the deadline the countdown shows: the first target not met (acknowledge, else resolve). */
export function slaDue(sla: IncidentSLA): { target: "acknowledge" | "resolve"; due?: string; remaining: number } | null {
  if (sla.acknowledge.state !== "met") return { target: "acknowledge", due: sla.acknowledge.due_at, remaining: sla.acknowledge.remaining_seconds };
  if (sla.resolve.state !== "met") return { target: "resolve", due: sla.resolve.due_at, remaining: sla.resolve.remaining_seconds };
  return null;
}

/** fmtDuration reads seconds as "2h 05m", "3d 4h", "45s"; negative is overdue. */
export function fmtDuration(sec: number): string {
  const s = Math.abs(Math.round(sec));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}
