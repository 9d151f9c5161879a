// Correlation rules: the org's effective rules (its own, its edits, the
// shipped ones), enable/disable, and an editor (rule JSON plus its CEL
// condition) checked live by POST /correlation/rules/validate, whose
// errors name the field and, for CEL, the line and column.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { useSearchParams } from "react-router";
import { correlation } from "../../api/endpoints";
import { ApiError } from "../../api/problem";
import type { CorrelationRule } from "../../api/types";
import { useOrgKey, useSession } from "../../auth/session";
import { Button, PageHeader, ProblemAlert, Section, Spinner, td, th } from "../../components/ui";
import { cx } from "../../lib/format";
import { textarea } from "../incidents/parts";
import { BacktestPanel, CandidatesPanel } from "./Backtest";
import { NEW_RULE, fmtWindow, joinRule, offsetOf, ruleIssues, splitRule, type RuleIssue } from "./ruleDraft";

type Check = { state: "idle" | "checking" | "valid" } | { state: "invalid"; issues: RuleIssue[] } | { state: "error"; error: unknown };

/** useLiveValidation checks a draft 400 ms after the last keystroke. */
function useLiveValidation(json: string, condition: string, base: CorrelationRule | undefined): [Check, CorrelationRule | undefined] {
  const [check, setCheck] = useState<Check>({ state: "idle" });
  const joined = joinRule(json, condition, base);
  const text = JSON.stringify(joined.rule ?? null);
  useEffect(() => {
    if (!joined.rule) {
      setCheck({ state: "invalid", issues: [{ field: "rule", message: joined.error ?? "invalid JSON" }] });
      return;
    }
    const ctl = new AbortController();
    setCheck({ state: "checking" });
    const t = setTimeout(() => {
      correlation.validate(joined.rule, ctl.signal).then(
        () => setCheck({ state: "valid" }),
        (e: unknown) => {
          if (e instanceof DOMException && e.name === "AbortError") return;
          if (e instanceof ApiError && e.status === 422) setCheck({ state: "invalid", issues: ruleIssues(e) });
          else setCheck({ state: "error", error: e });
        },
      );
    }, 400);
    return () => {
      clearTimeout(t);
      ctl.abort();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [text, joined.error]);
  return [check, joined.rule];
}

function Editor({ rule, isNew, onClose }: { rule: CorrelationRule; isNew: boolean; onClose: () => void }) {
  const qc = useQueryClient();
  const { can } = useSession();
  const init = splitRule(rule);
  const [json, setJson] = useState(init.json);
  const [condition, setCondition] = useState(init.condition);
  const [check, draft] = useLiveValidation(json, condition, rule);
  const cel = useRef<HTMLTextAreaElement>(null);
  const save = useMutation({
    mutationFn: (r: CorrelationRule) => (isNew ? correlation.create(r) : correlation.replace(rule.key, r)),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ["org"] });
      onClose();
    },
  });
  const issues = check.state === "invalid" ? check.issues : save.error instanceof ApiError && save.error.status === 422 ? ruleIssues(save.error) : [];
  const celIssues = issues.filter((i) => i.field === "condition");
  const otherIssues = issues.filter((i) => i.field !== "condition");
  const editable = can("incidents:manage");
  const goTo = (i: RuleIssue) => {
    const el = cel.current;
    if (!el || !i.line) return;
    const off = offsetOf(condition, i.line, i.column ?? 1);
    el.focus();
    el.setSelectionRange(off, off);
  };
  return (
    <form
      className="space-y-3"
      aria-label={isNew ? "New rule" : `Edit rule ${rule.key}`}
      onSubmit={(e) => {
        e.preventDefault();
        if (draft) save.mutate(draft);
      }}
    >
      <div>
        <label htmlFor="rule-condition" className="mb-1 block text-xs font-medium text-slate-600 dark:text-slate-400">
          Condition (CEL over <code className="font-mono">alert</code>; empty matches every alert)
        </label>
        <textarea
          ref={cel}
          id="rule-condition"
          spellCheck={false}
          aria-invalid={celIssues.length ? true : undefined}
          aria-describedby={celIssues.length ? "rule-condition-error" : undefined}
          className={cx(textarea, "h-20 font-mono text-xs")}
          value={condition}
          onChange={(e) => setCondition(e.target.value)}
          readOnly={!editable}
        />
        {celIssues.length > 0 && (
          <div id="rule-condition-error" role="alert" data-testid="cel-error">
          <ul className="mt-1 space-y-0.5 text-xs text-red-700 dark:text-red-400">
            {celIssues.map((i, n) => (
              <li key={n}>
                <span className="font-mono">condition</span>
                {i.line ? (
                  <>
                    {" "}
                    <button type="button" className="underline" onClick={() => goTo(i)}>
                      line {i.line}, column {i.column}
                    </button>
                  </>
                ) : null}
                : {i.message}
              </li>
            ))}
          </ul>
          </div>
        )}
      </div>
      <div>
        <label htmlFor="rule-json" className="mb-1 block text-xs font-medium text-slate-600 dark:text-slate-400">
          Rule (JSON: key, name, kind, group_by, window_seconds, lateness_seconds, min_count, min_distinct, min_tactics, outcome, severity, enabled)
        </label>
        <textarea
          id="rule-json"
          spellCheck={false}
          aria-invalid={otherIssues.length ? true : undefined}
          aria-describedby={otherIssues.length ? "rule-json-error" : undefined}
          className={cx(textarea, "h-64 font-mono text-xs")}
          value={json}
          onChange={(e) => setJson(e.target.value)}
          readOnly={!editable}
        />
        {otherIssues.length > 0 && (
          <div id="rule-json-error" role="alert" data-testid="rule-errors">
          <ul className="mt-1 space-y-0.5 text-xs text-red-700 dark:text-red-400">
            {otherIssues.map((i, n) => (
              <li key={n}>
                <span className="font-mono">{i.field}</span>: {i.message}
              </li>
            ))}
          </ul>
          </div>
        )}
      </div>
      <p role="status" className="text-xs" data-testid="rule-check">
        {check.state === "checking" ? (
          <span className="text-muted">Checking…</span>
        ) : check.state === "valid" ? (
          <span className="text-emerald-700 dark:text-emerald-400">Valid rule.</span>
        ) : check.state === "invalid" ? (
          <span className="text-red-700 dark:text-red-400">
            {check.issues.length} problem{check.issues.length === 1 ? "" : "s"}
          </span>
        ) : null}
      </p>
      {check.state === "error" ? <ProblemAlert error={check.error} /> : null}
      {save.error && !(save.error instanceof ApiError && save.error.status === 422) ? <ProblemAlert error={save.error} /> : null}
      <div className="flex gap-2">
        {editable && (
          <Button type="submit" variant="primary" disabled={!draft || check.state !== "valid" || save.isPending}>
            {save.isPending ? "Saving…" : isNew ? "Create rule" : "Save rule"}
          </Button>
        )}
        <Button variant="ghost" onClick={onClose}>
          {editable ? "Cancel" : "Close"}
        </Button>
      </div>
      <div className="border-t border-slate-200 pt-3 dark:border-slate-800">
        <h3 className="mb-2 text-xs font-semibold tracking-wide text-muted uppercase">Backtest</h3>
        <BacktestPanel ruleKey={isNew ? undefined : rule.key} draft={draft && (isNew || JSON.stringify(draft) !== JSON.stringify(rule)) ? draft : undefined} />
      </div>
    </form>
  );
}

export function CorrelationRulesPage() {
  const qc = useQueryClient();
  const { can } = useSession();
  const [params, setParams] = useSearchParams();
  const selected = params.get("rule");
  const q = useQuery({ queryKey: useOrgKey("correlation-rules"), queryFn: correlation.rules });
  const toggle = useMutation({
    mutationFn: (r: CorrelationRule) => correlation.replace(r.key, { ...r, enabled: !r.enabled }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ["org"] }),
  });
  const remove = useMutation({
    mutationFn: (key: string) => correlation.remove(key),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ["org"] }),
  });
  const editable = can("incidents:manage");
  const pick = (key: string | null) => setParams(key ? { rule: key } : {});
  const current = selected === "new" ? NEW_RULE : q.data?.find((r) => r.key === selected);
  return (
    <div>
      <PageHeader title="Correlation rules">
        <Button size="sm" variant="ghost" onClick={() => void q.refetch()} disabled={q.isFetching}>
          Refresh
        </Button>
        {editable && (
          <Button size="sm" variant="primary" onClick={() => pick("new")}>
            New rule
          </Button>
        )}
      </PageHeader>
      <div className="space-y-4 p-4">
        {current && (
          <Section title={selected === "new" ? "New rule" : `Edit ${current.name}`}>
            <Editor key={`${selected}:${current.version}`} rule={current} isNew={selected === "new"} onClose={() => pick(null)} />
          </Section>
        )}
        {selected && selected !== "new" && q.data && !current && <ProblemAlert error={new Error(`No rule with key ${selected}.`)} />}
        <Section title="Incident candidates">
          <CandidatesPanel />
        </Section>
        {toggle.error || remove.error ? <ProblemAlert error={toggle.error ?? remove.error} /> : null}
        {q.isPending ? (
          <Spinner label="Loading rules" />
        ) : q.error ? (
          <ProblemAlert error={q.error} />
        ) : q.data.length === 0 ? (
          <p className="text-muted">No rules.</p>
        ) : (
          <div className="overflow-x-auto" data-scroll-x>
            <table className="w-full text-sm" aria-label="Correlation rules">
              <thead>
                <tr className="border-b border-slate-200 dark:border-slate-800">
                  <th className={th}>Rule</th>
                  <th className={cx(th, "hidden md:table-cell")}>Kind</th>
                  <th className={th}>Grouping</th>
                  <th className={cx(th, "w-24")}>State</th>
                  <th className={cx(th, "w-48")}>
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {q.data.map((r) => (
                  <tr key={r.key} className={cx("border-b border-slate-100 dark:border-slate-800/70", r.key === selected && "bg-slate-100 dark:bg-slate-800/60")} data-testid="rule-row">
                    <td className={cx(td, "min-w-0")}>
                      <p className="font-medium">{r.name}</p>
                      <p className="text-[11px] text-muted">
                        <span className="font-mono">{r.key}</span> v{r.version} · {r.shipped ? "shipped" : "custom"}
                      </p>
                    </td>
                    <td className={cx(td, "hidden font-mono text-xs md:table-cell")}>{r.kind}</td>
                    <td className={cx(td, "text-xs")}>
                      {r.group_by.join(", ")} · {fmtWindow(r.window_seconds)} · ≥{r.min_count}
                      {r.min_distinct ? ` · ≥${r.min_distinct.count} ${r.min_distinct.field}` : ""} · {r.outcome.replace(/_/g, " ")}
                    </td>
                    <td className={td}>
                      <span className={cx("text-xs font-medium", r.enabled ? "text-emerald-700 dark:text-emerald-400" : "text-muted")} data-testid="rule-state">
                        {r.enabled ? "Enabled" : "Disabled"}
                      </span>
                    </td>
                    <td className={cx(td, "text-right whitespace-nowrap")}>
                      {editable && (
                        <Button size="sm" variant="ghost" disabled={toggle.isPending} onClick={() => toggle.mutate(r)} aria-label={`${r.enabled ? "Disable" : "Enable"} ${r.name}`}>
                          {r.enabled ? "Disable" : "Enable"}
                        </Button>
                      )}
                      <Button size="sm" variant="ghost" onClick={() => pick(r.key)} aria-label={`${editable ? "Edit" : "View"} ${r.name}`}>
                        {editable ? "Edit" : "View"}
                      </Button>
                      {editable && (r.version > 1 || !r.shipped) && (
                        <Button size="sm" variant="dangerGhost" disabled={remove.isPending} onClick={() => remove.mutate(r.key)} aria-label={`${r.shipped ? "Revert" : "Delete"} ${r.name}`}>
                          {r.shipped ? "Revert" : "Delete"}
                        </Button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
    </div>
  );
}
