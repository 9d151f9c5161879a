// Helpers of the correlation rule editor: the rule is edited as JSON with
// its CEL condition in its own box; both are checked live by the server.
import type { CorrelationRule } from "../../api/types";
import type { ApiError } from "../../api/problem";

/** splitRule separates the condition from the rest of the rule (shown as JSON). */
export function splitRule(r: CorrelationRule): { condition: string; json: string } {
  const { condition, version: _v, shipped: _s, ...rest } = r;
  return { condition: condition ?? "", json: JSON.stringify(rest, null, 2) };
}

/** joinRule parses the JSON box and puts the condition back; a syntax error is returned as text. */
export function joinRule(json: string, condition: string, base?: CorrelationRule): { rule?: CorrelationRule; error?: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (e) {
    return { error: `JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return { error: "JSON: the rule must be an object" };
  const rule = { version: base?.version ?? 0, shipped: base?.shipped ?? false, ...(parsed as object), condition } as CorrelationRule;
  return { rule };
}

export interface RuleIssue {
  /** Field the server named, without "body." (e.g. condition, group_by[0]). */
  field: string;
  message: string;
  /** CEL position of a condition error, 1-based. */
  line?: number;
  column?: number;
}

/** ruleIssues turns a validation problem into issues naming the field and, for CEL, the line and column. */
export function ruleIssues(err: ApiError): RuleIssue[] {
  const out: RuleIssue[] = [];
  for (const e of err.errors) {
    const field = (e.location ?? "").replace(/^body\.(rule\.)?/, "") || "rule";
    const m = /^line (\d+), column (\d+): ([\s\S]*)$/.exec(e.message);
    if (m) out.push({ field, message: m[3]!, line: Number(m[1]), column: Number(m[2]) });
    else out.push({ field, message: e.message });
  }
  if (out.length === 0) out.push({ field: "rule", message: err.detail });
  return out;
}

/** offsetOf converts a 1-based line and column into a string offset (for placing the caret). */
export function offsetOf(text: string, line: number, column: number): number {
  const lines = text.split("\n");
  let off = 0;
  for (let i = 0; i < Math.min(line - 1, lines.length); i++) off += lines[i]!.length + 1;
  return Math.min(text.length, off + Math.max(0, column - 1));
}

/** fmtWindow reads window seconds as "15m", "4h", "1d". */
export function fmtWindow(s: number): string {
  if (s % 86400 === 0) return `${s / 86400}d`;
  if (s % 3600 === 0) return `${s / 3600}h`;
  if (s % 60 === 0) return `${s / 60}m`;
  return `${s}s`;
}

/** NEW_RULE is the starting point of a new rule. */
export const NEW_RULE: CorrelationRule = {
  key: "my-rule",
  version: 0,
  name: "My rule",
  description: "",
  enabled: true,
  kind: "shared_entities",
  condition: "alert.severity_id >= 4",
  group_by: ["user", "hostname"],
  window_seconds: 3600,
  lateness_seconds: 600,
  min_count: 2,
  outcome: "open_incident",
  shipped: false,
};
