// The alert list's bulk dialogs: assign, tag or (for "all matching") set
// the status of many alerts, after a confirmation that states the count.
// Assign and tag answer the prior states; the list offers Undo from them.
import { useMutation } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { alertMatching, alerts, needsReason, type RestoreItem } from "../api/endpoints";
import { ApiError } from "../api/problem";
import { STATUS_LABELS, type AlertStatus } from "../api/types";
import { useSession } from "../auth/session";
import { Dialog } from "../components/Dialog";
import { Button, Field, Input, ProblemAlert, fieldProps } from "../components/ui";
import { AssigneeSelect } from "./AssigneeSelect";
import { useAssignees } from "./assignees";
import { alertsN, changeOf, confirmText, doneText, parseTags, targetCount, undoItems, verb, type BulkAction, type BulkTarget } from "./bulk";

/** The result of a bulk dialog: what to report, and what undoes it (empty: no undo). */
export interface BulkDone {
  text: string;
  undo: RestoreItem[];
}

export type BulkKind = "assign" | "tag" | "status";

export function BulkDialog({
  kind,
  target,
  status,
  onClose,
  onDone,
}: {
  kind: BulkKind | null;
  target: BulkTarget;
  /** The status chosen in the toolbar (kind "status"). */
  status: AlertStatus;
  onClose: () => void;
  onDone: (d: BulkDone) => void;
}) {
  const { me } = useSession();
  const people = useAssignees();
  const [assignee, setAssignee] = useState(me.user?.id ?? "");
  const [tags, setTags] = useState("");
  const [reason, setReason] = useState("");
  useEffect(() => {
    if (!kind) return;
    setAssignee(me.user?.id ?? "");
    setTags("");
    setReason("");
  }, [kind, me.user?.id]);
  const action: BulkAction | null =
    kind === "assign" ? { kind, assignee } : kind === "tag" ? { kind, tags: parseTags(tags) } : kind === "status" ? { kind, status, reason: reason.trim() || undefined } : null;
  const m = useMutation({
    mutationFn: (a: BulkAction) =>
      target.kind === "ids" ? alerts.bulkUpdate(target.ids, changeOf(a)) : alertMatching.bulkUpdate(target.filters, changeOf(a), target.count),
    onSuccess: (r, a) => {
      onDone({ text: doneText(a, r.updated, people.data?.items), undo: undoItems(a, r.previous ?? []) });
      m.reset();
    },
  });
  const fields = m.error instanceof ApiError ? m.error.fieldErrors() : {};
  const fieldErr = (k: string) => Object.entries(fields).find(([f]) => f === `body.change.${k}` || f.startsWith(`body.change.${k}[`))?.[1];
  const n = targetCount(target);
  const ready = !!action && (action.kind !== "tag" || action.tags.length > 0) && (action.kind !== "status" || !needsReason(action.status) || !!action.reason);
  const title = kind === "assign" ? `Assign ${alertsN(n)}` : kind === "tag" ? `Tag ${alertsN(n)}` : `Set the status of ${alertsN(n)}`;
  const close = () => {
    m.reset();
    onClose();
  };
  return (
    <Dialog open={!!kind} onOpenChange={(o) => !o && close()} title={title}>
      <form
        className="space-y-3"
        data-testid="bulk-confirm"
        onSubmit={(e) => {
          e.preventDefault();
          if (action && ready) m.mutate(action);
        }}
      >
        {kind === "assign" && (
          <Field id="bulk-assignee" label="Assignee" error={fieldErr("assignee")}>
            <AssigneeSelect {...fieldProps("bulk-assignee", fieldErr("assignee"))} value={assignee} onChange={setAssignee} />
          </Field>
        )}
        {kind === "tag" && (
          <Field id="bulk-tags" label="Tags to add (commas or spaces between tags)" error={fieldErr("add_tags")}>
            <Input {...fieldProps("bulk-tags", fieldErr("add_tags"))} autoFocus value={tags} onChange={(e) => setTags(e.target.value)} placeholder="e.g. phishing-wave" />
          </Field>
        )}
        {kind === "status" && needsReason(status) && (
          <Field id="bulk-reason" label="Closure reason (required)" error={fieldErr("reason")}>
            <Input {...fieldProps("bulk-reason", fieldErr("reason"))} autoFocus value={reason} onChange={(e) => setReason(e.target.value)} />
          </Field>
        )}
        {action && ready ? (
          <p className="text-sm" data-testid="bulk-confirm-text">
            {confirmText(action, target, people.data?.items)}
          </p>
        ) : (
          <p className="text-sm text-muted">{kind === "status" ? `${STATUS_LABELS[status]} needs a closure reason.` : `Choose what to apply to ${alertsN(n)}.`}</p>
        )}
        {m.error && (Object.keys(fields).length === 0 || (!fieldErr("assignee") && !fieldErr("add_tags") && !fieldErr("reason"))) ? <ProblemAlert error={m.error} /> : null}
        <div className="flex justify-end gap-2">
          <Button onClick={close}>Cancel</Button>
          <Button type="submit" variant="primary" disabled={!ready || m.isPending}>
            {m.isPending ? "Working…" : action && ready ? `${capital(verb(action, people.data?.items))} · ${alertsN(n)}` : "Confirm"}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
