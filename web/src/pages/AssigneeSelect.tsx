import type { SelectHTMLAttributes } from "react";
import { useSession } from "../auth/session";
import { Select } from "../components/ui";
import { assigneeOptions, useAssignees } from "./assignees";

type Props = Omit<SelectHTMLAttributes<HTMLSelectElement>, "value" | "onChange"> & {
  /** A user id; "" is unassigned (assign) or any assignee (filter). */
  value: string;
  onChange: (value: string) => void;
  /** filter adds "Any assignee" and uses "none" for unassigned, as GET /alerts does. */
  mode?: "assign" | "filter";
};

/**
 * AssigneeSelect picks an alert assignee by name: a native select (no
 * injected styles, so it fits the CSP; keyboard type-ahead finds a name).
 */
export function AssigneeSelect({ value, onChange, mode = "assign", ...rest }: Props) {
  const { me } = useSession();
  const q = useAssignees();
  const options = assigneeOptions(q.data?.items, me.user?.id, value);
  return (
    <Select {...rest} value={value} onChange={(e) => onChange(e.target.value)} aria-busy={q.isPending || undefined}>
      {mode === "filter" && <option value="">Any assignee</option>}
      <option value={mode === "filter" ? "none" : ""}>Unassigned</option>
      <optgroup label={q.isPending ? "Loading members…" : q.error ? "Members could not be loaded" : q.data?.truncated ? "Members (first 500)" : "Members"}>
        {options.map((o) => (
          <option key={o.value} value={o.value} title={o.title}>
            {o.label}
          </option>
        ))}
      </optgroup>
    </Select>
  );
}
