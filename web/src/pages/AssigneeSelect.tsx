import { useTranslation } from "react-i18next";
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
  const { t } = useTranslation();
  const { me } = useSession();
  const q = useAssignees();
  const options = assigneeOptions(q.data?.items, me.user?.id, value);
  return (
    <Select {...rest} value={value} onChange={(e) => onChange(e.target.value)} aria-busy={q.isPending || undefined}>
      {mode === "filter" && <option value="">{t("alerts:assignee.anyAssignee")}</option>}
      <option value={mode === "filter" ? "none" : ""}>{t("alerts:assignee.unassigned")}</option>
      <optgroup label={q.isPending ? t("alerts:assignee.loadingMembers") : q.error ? t("alerts:assignee.membersCouldNotBeLoaded") : q.data?.truncated ? t("alerts:assignee.membersFirst500") : t("alerts:assignee.members")}>
        {options.map((o) => (
          <option key={o.value} value={o.value} title={o.title}>
            {o.label}
          </option>
        ))}
      </optgroup>
    </Select>
  );
}
