// The org's intel allowlist: values that never match its alerts and are
// not imported as indicators. Add (type, value, subdomains, comment) and
// remove entries.
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { ApiError } from "../../api/problem";
import { useOrgKey, useSession } from "../../auth/session";
import { Button, Checkbox, Field, Input, ProblemAlert, Section, Select, Spinner, fieldProps, td, th } from "../../components/ui";
import { fmtTime } from "../../lib/format";
import { INDICATOR_TYPES, intel, type IndicatorType } from "./intelApi";
import { IntelHeader } from "./parts";

function AddEntry({ onAdded }: { onAdded: () => void }) {
  const [type, setType] = useState<IndicatorType>("ipv4");
  const [value, setValue] = useState("");
  const [subdomains, setSubdomains] = useState(false);
  const [comment, setComment] = useState("");
  const m = useMutation({
    mutationFn: () => intel.addAllow({ type, value: value.trim(), subdomains: type === "domain" && subdomains, comment: comment.trim() || undefined }),
    onSuccess: () => {
      setValue("");
      setComment("");
      onAdded();
    },
  });
  const fields = m.error instanceof ApiError ? m.error.fieldErrors() : {};
  const submit = (e: FormEvent) => {
    e.preventDefault();
    m.mutate();
  };
  return (
    <form onSubmit={submit} className="space-y-3" noValidate aria-label="Add to the allowlist">
      <div className="grid gap-3 md:grid-cols-[9rem_1fr_1fr]">
        <Field id="allow-type" label="Type" error={fields.type}>
          <Select {...fieldProps("allow-type", fields.type)} value={type} onChange={(e) => setType(e.target.value as IndicatorType)}>
            {INDICATOR_TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </Select>
        </Field>
        <Field id="allow-value" label="Value" error={fields.value}>
          <Input {...fieldProps("allow-value", fields.value)} value={value} onChange={(e) => setValue(e.target.value)} placeholder="e.g. 10.0.0.0/8 or corp.example" />
        </Field>
        <Field id="allow-comment" label="Comment (optional)" error={fields.comment}>
          <Input {...fieldProps("allow-comment", fields.comment)} value={comment} onChange={(e) => setComment(e.target.value)} placeholder="why it is safe" />
        </Field>
      </div>
      {type === "domain" && (
        <label className="flex items-center gap-2 text-sm">
          <Checkbox label="Also its subdomains" checked={subdomains} onCheckedChange={setSubdomains} />
          Also its subdomains
        </label>
      )}
      {m.error && Object.keys(fields).length === 0 ? <ProblemAlert error={m.error} /> : null}
      <Button type="submit" variant="primary" disabled={m.isPending || !value.trim()}>
        Add to allowlist
      </Button>
    </form>
  );
}

export function AllowlistPage() {
  const { can } = useSession();
  const qc = useQueryClient();
  const key = useOrgKey("intel-allowlist");
  const q = useInfiniteQuery({
    queryKey: key,
    queryFn: ({ pageParam }) => intel.allowlist(pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (p) => p.next_cursor,
  });
  const del = useMutation({ mutationFn: intel.deleteAllow, onSuccess: () => void qc.invalidateQueries({ queryKey: key }) });
  const rows = q.data?.pages.flatMap((p) => p.items) ?? [];
  const manage = can("intel:manage");
  return (
    <div>
      <IntelHeader title="Intel allowlist" />
      <div className="space-y-4 p-4">
        <p className="text-sm text-muted">
          Alerts carrying these values never match an indicator, and imports skip them (counted as allowlisted). A network covers its addresses. Public resolvers,
          special ranges, top domains and low-entropy hashes are always refused and are not listed.
        </p>
        {manage && (
          <Section title="Add a value">
            <AddEntry onAdded={() => void qc.invalidateQueries({ queryKey: key })} />
          </Section>
        )}
        <Section title="Entries">
          {q.error ? (
            <ProblemAlert error={q.error} />
          ) : q.isPending ? (
            <Spinner label="Loading the allowlist" />
          ) : rows.length === 0 ? (
            <p className="text-sm text-muted" data-testid="allowlist-empty">
              The allowlist is empty.
            </p>
          ) : (
            <div data-scroll-x className="overflow-x-auto">
              <table className="w-full text-sm" aria-label="Allowlist">
                <thead>
                  <tr>
                    <th className={th}>Value</th>
                    <th className={th}>Type</th>
                    <th className={th}>Comment</th>
                    <th className={th}>Added</th>
                    <th className={th}>
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((a) => (
                    <tr key={a.id} data-testid="allow-row" className="border-t border-slate-100 dark:border-slate-800">
                      <td className={`${td} font-mono text-xs break-all`}>
                        {a.value}
                        {a.subdomains && <span className="ml-1 font-sans text-muted">and subdomains</span>}
                      </td>
                      <td className={`${td} font-mono text-xs`}>{a.type}</td>
                      <td className={`${td} text-xs`}>{a.comment || "—"}</td>
                      <td className={`${td} text-xs whitespace-nowrap`}>
                        <span className="font-mono">{fmtTime(a.created_at)}</span> by {a.created_by}
                      </td>
                      <td className={`${td} text-right`}>
                        {manage && (
                          <Button
                            size="sm"
                            variant="dangerGhost"
                            disabled={del.isPending}
                            aria-label={`Remove ${a.value}`}
                            onClick={() => {
                              if (window.confirm(`Remove ${a.value} from the allowlist? Alerts carrying it can match again.`)) del.mutate(a.id);
                            }}
                          >
                            Remove
                          </Button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {del.error ? <ProblemAlert error={del.error} className="mt-2" /> : null}
          {q.hasNextPage && (
            <Button size="sm" className="mt-2" onClick={() => void q.fetchNextPage()}>
              Load more
            </Button>
          )}
        </Section>
      </div>
    </div>
  );
}
