// The assignee directory: org members an alert can be assigned to, by name.
import { useQuery } from "@tanstack/react-query";
import { alerts } from "../api/endpoints";
import type { Assignee } from "../api/types";
import { useOrgKey, useSession } from "../auth/session";

/** useAssignees caches GET /alerts/assignees per org (members change rarely). */
export function useAssignees() {
  const { can } = useSession();
  return useQuery({
    queryKey: useOrgKey("assignees"),
    queryFn: alerts.assignees,
    staleTime: 5 * 60_000,
    enabled: can("alerts:read"),
  });
}

/** shortID is the first block of a UUID, enough to tell unknown users apart. */
function shortID(id: string): string {
  return id.split("-")[0] ?? id;
}

/**
 * assigneeName is how an assignee id reads in the UI: the member's name,
 * "Unassigned" for none, and a short id for someone no longer listed
 * (a former member, or the list is still loading).
 */
export function assigneeName(id: string | null | undefined, list: Assignee[] | undefined): string {
  if (!id || id === "none") return "Unassigned";
  const a = list?.find((x) => x.user_id === id);
  if (!a) return `Unknown user ${shortID(id)}`;
  return a.name.trim() || `Unnamed member ${shortID(id)}`;
}

export interface AssigneeOption {
  value: string;
  label: string;
  /** title is the member's role (a tooltip; narrow selects show the name only). */
  title?: string;
}

/**
 * assigneeOptions lists the members for a picker by name, the current user
 * marked "(me)" and namesakes told apart by a short id, plus the current
 * value when it is not a listed member so the select can still show it.
 */
export function assigneeOptions(list: Assignee[] | undefined, meID: string | undefined, current: string | undefined): AssigneeOption[] {
  const items = list ?? [];
  const seen = new Map<string, number>();
  for (const a of items) seen.set(a.name.trim().toLowerCase(), (seen.get(a.name.trim().toLowerCase()) ?? 0) + 1);
  const out: AssigneeOption[] = items.map((a) => {
    let label = assigneeName(a.user_id, items);
    if (a.name.trim() && (seen.get(a.name.trim().toLowerCase()) ?? 0) > 1) label += ` · ${shortID(a.user_id)}`;
    if (a.user_id === meID) label += " (me)";
    return { value: a.user_id, label, title: a.role };
  });
  if (current && current !== "none" && !out.some((o) => o.value === current)) out.push({ value: current, label: assigneeName(current, items) });
  return out;
}
