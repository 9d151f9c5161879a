import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { auth } from "../api/endpoints";
import { ApiError } from "../api/problem";
import { useSession } from "../auth/session";
import { Button, Field, Input, PageHeader, ProblemAlert, Section, Spinner, fieldProps, td, th } from "../components/ui";
import { fmtTime } from "../lib/format";
import { MFA } from "./Mfa";

function Password() {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const m = useMutation({
    mutationFn: () => auth.changePassword({ current_password: current, new_password: next }),
    onSuccess: () => {
      setCurrent("");
      setNext("");
    },
  });
  const fields = m.error instanceof ApiError ? m.error.fieldErrors() : {};
  return (
    <form
      noValidate
      className="max-w-sm space-y-3"
      onSubmit={(e) => {
        e.preventDefault();
        m.mutate();
      }}
    >
      <Field id="current_password" label="Current password" error={fields.current_password}>
        <Input {...fieldProps("current_password", fields.current_password)} type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} />
      </Field>
      <Field id="new_password" label="New password" error={fields.new_password} hint="At least 12 characters. Every other session is signed out.">
        <Input {...fieldProps("new_password", fields.new_password)} type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} />
      </Field>
      {m.error && Object.keys(fields).length === 0 ? <ProblemAlert error={m.error} /> : null}
      {m.isSuccess && (
        <p role="status" className="text-xs text-emerald-700 dark:text-emerald-400">
          Password changed; other sessions were signed out.
        </p>
      )}
      <Button type="submit" variant="primary" disabled={m.isPending}>
        Change password
      </Button>
    </form>
  );
}

function Sessions() {
  const qc = useQueryClient();
  const key = ["my-sessions"];
  const q = useInfiniteQuery({
    queryKey: key,
    queryFn: ({ pageParam }) => auth.sessions(pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (p) => p.next_cursor,
  });
  const revoke = useMutation({ mutationFn: auth.revokeSession, onSuccess: () => void qc.invalidateQueries({ queryKey: key }) });
  const rows = q.data?.pages.flatMap((p) => p.items) ?? [];
  if (q.error) return <ProblemAlert error={q.error} />;
  if (q.isPending) return <Spinner />;
  return (
    <>
      <table className="w-full text-sm">
        <thead>
          <tr>
            <th className={th}>Signed in (UTC)</th>
            <th className={th}>Last seen</th>
            <th className={`${th} hidden lg:table-cell`}>Expires</th>
            <th className={th}>Method</th>
            <th className={th}>IP</th>
            <th className={`${th} hidden lg:table-cell`}>Browser</th>
            <th className={th}>
                    <span className="sr-only">Actions</span>
                  </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((s) => (
            <tr key={s.id} className="border-t border-slate-100 dark:border-slate-800">
              <td className={`${td} font-mono text-xs`}>{fmtTime(s.created_at)}</td>
              <td className={`${td} font-mono text-xs`}>{fmtTime(s.last_seen_at)}</td>
              <td className={`${td} hidden lg:table-cell font-mono text-xs`}>{fmtTime(s.expires_at)}</td>
              <td className={td} title={s.user_agent}>
                {s.method}
                {s.mfa ? " + TOTP" : ""}
              </td>
              <td className={`${td} font-mono text-xs`}>{s.ip}</td>
              <td className={`${td} hidden lg:table-cell max-w-72 truncate text-xs`} title={s.user_agent}>
                {s.user_agent}
              </td>
              <td className={`${td} text-right`}>
                {s.current ? (
                  <span className="text-xs text-emerald-700 dark:text-emerald-400">this session</span>
                ) : (
                  <Button size="sm" variant="danger" disabled={revoke.isPending} onClick={() => revoke.mutate(s.id)}>
                    Sign out
                  </Button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {revoke.error ? <ProblemAlert error={revoke.error} className="mt-2" /> : null}
    </>
  );
}

export function AccountPage() {
  const { me } = useSession();
  if (!me.user)
    return (
      <div>
        <PageHeader title="Account" />
        <p className="p-4 text-sm text-muted">Signed in with an API key: there is no user account to manage.</p>
      </div>
    );
  return (
    <div>
      <PageHeader title="Account" />
      <div className="space-y-4 p-4">
        <Section title="Profile">
          <dl className="grid grid-cols-[8rem_1fr] gap-1 text-sm">
            <dt className="text-muted">Name</dt>
            <dd>{me.user.name || "—"}</dd>
            <dt className="text-muted">Email</dt>
            <dd>{me.user.email}</dd>
            <dt className="text-muted">User id</dt>
            <dd className="font-mono text-xs">{me.user.id}</dd>
            <dt className="text-muted">Orgs</dt>
            <dd>{me.orgs.map((o) => `${o.name} (${o.role})`).join(", ") || "—"}</dd>
          </dl>
        </Section>
        <Section title="Two-factor authentication">
          <MFA email={me.user.email} />
        </Section>
        <Section title="Password">
          <Password />
        </Section>
        <Section title="Sessions">
          <Sessions />
        </Section>
      </div>
    </div>
  );
}
