// Decisions: a note can be marked as a decision; the decision log lists
// them in the order they were marked (GET …/decisions).
import { useTranslation } from "react-i18next";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useOrgKey } from "../../auth/session";
import { Button, ProblemAlert, Spinner } from "../../components/ui";
import { fmtTime } from "../../lib/format";
import { useAssignees } from "../assignees";
import { actorLabel } from "./live";
import { NoteBody } from "./noteBody";
import { decisions } from "./warroomApi";

/** refreshDecisions refreshes the notes, the decision log and the timeline of an incident. */
function useRefresh(incidentId: string) {
  const qc = useQueryClient();
  const org = useOrgKey()[1];
  return () =>
    qc.invalidateQueries({
      predicate: (q) => q.queryKey[0] === "org" && q.queryKey[1] === org && q.queryKey[3] === incidentId && ["incident-notes", "warroom-decisions", "warroom-timeline", "incident-timeline"].includes(String(q.queryKey[2])),
    });
}

export function DecisionToggle({ incidentId, noteId, decision }: { incidentId: string; noteId: string; decision: boolean }) {
  const { t } = useTranslation();
  const refresh = useRefresh(incidentId);
  const m = useMutation({
    mutationFn: () => (decision ? decisions.unmark(incidentId, noteId) : decisions.mark(incidentId, noteId)),
    onSuccess: () => void refresh(),
  });
  return (
    <>
      <Button size="sm" variant="ghost" disabled={m.isPending} aria-pressed={decision} onClick={() => m.mutate()}>
        {decision ? t("incidents:decisions.unmarkDecision") : t("incidents:decisions.markAsDecision")}
      </Button>
      {m.error ? <ProblemAlert error={m.error} className="w-full" /> : null}
    </>
  );
}

export function DecisionBadge({ at, by }: { at?: string; by?: string }) {
  const { t } = useTranslation();
  const people = useAssignees();
  return (
    <span className="ml-1 rounded bg-amber-200 px-1 text-[10px] font-semibold text-amber-950 dark:bg-amber-300" title={at ? t("incidents:decisions.marked", { value: fmtTime(at), value2: by ? t("incidents:decisions.byName", { name: actorLabel(by, people.data?.items) }) : "" }) : undefined}>
      {t("incidents:decisions.decision")}
    </span>
  );
}

/** DecisionLog lists the incident's decisions in the order they were marked. */
export function DecisionLog({ incidentId, onShow }: { incidentId: string; onShow?: (noteId: string) => void }) {
  const { t } = useTranslation();
  const people = useAssignees();
  const q = useQuery({ queryKey: useOrgKey("warroom-decisions", incidentId), queryFn: () => decisions.list(incidentId) });
  if (q.isPending) return <Spinner label={t("incidents:decisions.loadingDecisions")} />;
  if (q.error && !q.data) return <ProblemAlert error={q.error} />;
  const items = q.data ?? [];
  if (items.length === 0) return <p className="text-sm text-muted" data-testid="decisions-empty">{t("incidents:decisions.noDecisionsYetMarkA")}</p>;
  return (
    <ol className="space-y-2" aria-label={t("incidents:decisions.decisionLog")} data-testid="decision-log">
      {items.map((d, i) => (
        <li key={d.id} className="border-l-2 border-amber-500 pl-2" data-testid="decision">
          <p className="text-[11px] text-muted">
            {t("incidents:decisions.markedByWrittenBy", { value: i + 1, value2: d.decision_at ? fmtTime(d.decision_at) : "", value3: actorLabel(d.decision_by ?? "", people.data?.items), value4: actorLabel(d.author, people.data?.items) })}
          </p>
          <div className="line-clamp-4">
            <NoteBody body={d.body} people={people.data?.items} />
          </div>
          {onShow && (
            <button type="button" className="text-[11px] text-sky-700 hover:underline dark:text-sky-400" onClick={() => onShow(d.id)}>
              {t("incidents:decisions.showTheNote")}
            </button>
          )}
        </li>
      ))}
    </ol>
  );
}
