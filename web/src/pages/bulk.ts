// Bulk triage from the alert list: what a bulk action changes, how its
// confirmation and result read, and the restore items that undo it from
// the prior states the server answered (POST /alerts/restore).
import type { AlertPatch, Prior, RestoreItem } from "../api/endpoints";
import { STATUS_LABELS, type AlertFilters, type AlertStatus, type Assignee } from "../api/types";
import { assigneeName } from "./assignees";

/** The alerts a bulk action applies to: the selected ids, or every alert a filter matches (server side). */
export type BulkTarget = { kind: "ids"; ids: string[] } | { kind: "matching"; filters: AlertFilters; count: number };

/** A bulk action: assign (assignee "" unassigns) or add tags, both with an undo; or a status change (no undo). */
export type BulkAction = { kind: "assign"; assignee: string } | { kind: "tag"; tags: string[] } | { kind: "status"; status: AlertStatus; reason?: string };

export function targetCount(t: BulkTarget): number {
  return t.kind === "ids" ? t.ids.length : t.count;
}

/** plural: "1 alert", "12 alerts". */
export function alertsN(n: number): string {
  return `${n.toLocaleString("en")} alert${n === 1 ? "" : "s"}`;
}

/** parseTags splits what the analyst typed (commas or spaces) into distinct trimmed tags. */
export function parseTags(text: string): string[] {
  const out: string[] = [];
  for (const t of text.split(/[\s,]+/)) {
    const v = t.trim().toLowerCase();
    if (v && !out.includes(v)) out.push(v);
  }
  return out;
}

/** changeOf is the API change of an action. */
export function changeOf(a: BulkAction): AlertPatch {
  if (a.kind === "status") return a.reason ? { status: a.status, reason: a.reason } : { status: a.status };
  return a.kind === "assign" ? { assignee: a.assignee } : { add_tags: a.tags };
}

/** verb is what the action does, for buttons and confirmations. */
export function verb(a: BulkAction, people?: Assignee[]): string {
  if (a.kind === "tag") return `tag ${a.tags.map((t) => `“${t}”`).join(", ")}`;
  if (a.kind === "status") return `set status to ${STATUS_LABELS[a.status]}`;
  return a.assignee ? `assign to ${assigneeName(a.assignee, people)}` : "unassign";
}

/** confirmText says exactly how many alerts change and how. */
export function confirmText(a: BulkAction, t: BulkTarget, people?: Assignee[]): string {
  const n = targetCount(t);
  const what = a.kind === "status" ? `be set to ${STATUS_LABELS[a.status]}` : a.kind === "tag" ? `get the tag${a.tags.length === 1 ? "" : "s"} ${a.tags.map((x) => `“${x}”`).join(", ")}` : a.assignee ? `be assigned to ${assigneeName(a.assignee, people)}` : "be unassigned";
  const who = t.kind === "ids" ? `The ${alertsN(n)} you selected will ${what}.` : `All ${alertsN(n)} matching the current filter will ${what}, in one change (if the filter matches a different number by then, nothing changes).`;
  return a.kind === "status" ? who : `${who} You can undo this right after.`;
}

/** doneText reports a finished bulk action. */
export function doneText(a: BulkAction, n: number, people?: Assignee[]): string {
  if (a.kind === "status") return `Set ${alertsN(n)} to ${STATUS_LABELS[a.status]}.`;
  if (a.kind === "tag") return `Tagged ${alertsN(n)} ${a.tags.map((t) => `“${t}”`).join(", ")}.`;
  return a.assignee ? `Assigned ${alertsN(n)} to ${assigneeName(a.assignee, people)}.` : `Unassigned ${alertsN(n)}.`;
}

/**
 * undoItems restores what the action replaced: each alert's previous
 * assignee (assign) or previous tag set (tag). Alerts the action did not
 * change (already assigned to them, already tagged) are left out, so an
 * undo never touches what was not changed.
 */
export function undoItems(a: BulkAction, prior: Prior[]): RestoreItem[] {
  if (a.kind === "status") return [];
  if (a.kind === "assign") return prior.filter((p) => p.assignee !== a.assignee).map((p) => ({ id: p.id, assignee: p.assignee }));
  return prior.filter((p) => a.tags.some((t) => !(p.tags ?? []).includes(t))).map((p) => ({ id: p.id, tags: p.tags ?? [] }));
}
