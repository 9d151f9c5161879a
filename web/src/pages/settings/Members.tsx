import { useTranslation } from "react-i18next";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { members } from "../../api/endpoints";
import { ApiError } from "../../api/problem";
import type { CreatedInvitation, Member, Role } from "../../api/types";
import { useOrgKey, useSession } from "../../auth/session";
import { Button, CopyButton, Field, Input, PageHeader, ProblemAlert, Section, Select, Spinner, fieldProps, td, th } from "../../components/ui";
import { fmtTime } from "../../lib/format";
import { Time } from "../../components/Time";

function Invite({ roles, onInvited }: { roles: Role[]; onInvited: (i: CreatedInvitation) => void }) {
  const { t } = useTranslation();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState("analyst");
  const m = useMutation({
    mutationFn: () => members.invite({ email: email.trim(), role }),
    onSuccess: (inv) => {
      setEmail("");
      onInvited(inv);
    },
  });
  const fields = m.error instanceof ApiError ? m.error.fieldErrors() : {};
  const submit = (e: FormEvent) => {
    e.preventDefault();
    m.mutate();
  };
  return (
    <form onSubmit={submit} noValidate className="space-y-2">
      <div className="grid items-start gap-3 md:grid-cols-[1fr_10rem_auto]">
        <Field id="invite-email" label={t("settings:members.email")} error={fields.email}>
          <Input {...fieldProps("invite-email", fields.email)} type="email" value={email} onChange={(e) => setEmail(e.target.value)} />
        </Field>
        <Field id="invite-role" label={t("settings:members.role")} error={fields.role}>
          <Select {...fieldProps("invite-role", fields.role)} value={role} onChange={(e) => setRole(e.target.value)}>
            {roles.map((r) => (
              <option key={r.name} value={r.name} title={r.description}>
                {r.name}
                {r.built_in ? "" : t("settings:members.custom")}
              </option>
            ))}
          </Select>
        </Field>
        <Button type="submit" variant="primary" className="mt-5" disabled={m.isPending}>
          {t("settings:members.invite")}
        </Button>
      </div>
      {m.error && Object.keys(fields).length === 0 ? <ProblemAlert error={m.error} /> : null}
    </form>
  );
}

function MemberRow({ m, roles, onChanged }: { m: Member; roles: Role[]; onChanged: () => void }) {
  const { t } = useTranslation();
  const { me } = useSession();
  const setRole = useMutation({ mutationFn: (role: string) => members.setRole(m.user_id, role), onSuccess: onChanged });
  const remove = useMutation({ mutationFn: () => members.remove(m.user_id), onSuccess: onChanged });
  const names = roles.some((r) => r.name === m.role) ? roles : [...roles, { name: m.role, description: "", built_in: false, permissions: [] }];
  const error = setRole.error ?? remove.error;
  return (
    <>
      <tr className="border-t border-slate-100 dark:border-slate-800">
        <td className={td}>
          {m.name || "—"}
          {m.user_id === me.user?.id ? <span className="ml-1 text-xs text-muted">{t("settings:members.you")}</span> : null}
        </td>
        <td className={`${td} break-all`}>{m.email}</td>
        <td className={td}>
          <Select aria-label={t("settings:members.roleOf", { mEmail: m.email })} className="h-7! w-36 text-xs" value={m.role} disabled={setRole.isPending} onChange={(e) => setRole.mutate(e.target.value)}>
            {names.map((r) => (
              <option key={r.name} value={r.name}>
                {r.name}
              </option>
            ))}
          </Select>
        </td>
        <td className={td}>{m.mfa_enabled ? t("settings:members.on") : t("settings:members.off")}</td>
        <td className={`${td} hidden font-mono text-xs lg:table-cell`}><Time iso={m.joined_at} /></td>
        <td className={`${td} text-right`}>
          <Button
            size="sm"
            variant="dangerGhost"
            disabled={remove.isPending}
            onClick={() => {
              if (window.confirm(t("settings:members.confirmRemove", { email: m.email }))) remove.mutate();
            }}
          >
            {t("settings:members.remove")}
          </Button>
        </td>
      </tr>
      {error ? (
        <tr>
          <td colSpan={6} className="px-2 pb-2">
            <ProblemAlert error={error} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

export function MembersPage() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const rolesQ = useQuery({ queryKey: useOrgKey("roles"), queryFn: members.roles });
  const roles = rolesQ.data ?? [];
  const memberKey = useOrgKey("members");
  const invKey = useOrgKey("invitations");
  const [invited, setInvited] = useState<CreatedInvitation | null>(null);
  const list = useInfiniteQuery({
    queryKey: memberKey,
    queryFn: ({ pageParam }) => members.list(pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (p) => p.next_cursor,
  });
  const invs = useInfiniteQuery({
    queryKey: invKey,
    queryFn: ({ pageParam }) => members.invitations(pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (p) => p.next_cursor,
  });
  const revoke = useMutation({ mutationFn: members.revokeInvitation, onSuccess: () => void qc.invalidateQueries({ queryKey: invKey }) });
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  const invRows = invs.data?.pages.flatMap((p) => p.items) ?? [];
  const inviteLink = invited?.accept_url ?? "";
  return (
    <div>
      <PageHeader title={t("settings:members.members")} />
      <div className="space-y-4 p-4">
        <Section title={t("settings:members.inviteAMember")}>
          <Invite
            roles={roles}
            onInvited={(i) => {
              setInvited(i);
              void qc.invalidateQueries({ queryKey: invKey });
            }}
          />
          {invited && (
            <div role="status" className="mt-3 space-y-1 rounded border border-emerald-600/60 bg-emerald-50 p-2 text-sm dark:bg-emerald-950/30">
              <p>
                {t("settings:members.invitationForCreatedValidUntil", { invitedInvitationEmail: invited.invitation.email, invitedInvitationRole: invited.invitation.role, value: fmtTime(invited.invitation.expires_at) })}
              </p>
              {inviteLink && (
                <div className="flex items-center gap-2">
                  <code className="min-w-0 flex-1 font-mono text-xs break-all">{inviteLink}</code>
                  <CopyButton text={inviteLink} label={t("settings:members.copyLink")} />
                </div>
              )}
            </div>
          )}
        </Section>
        <Section title={t("settings:members.members")}>
          {list.error ? (
            <ProblemAlert error={list.error} />
          ) : list.isPending ? (
            <Spinner />
          ) : (
            <table className="w-full text-sm">
              <thead>
                <tr>
                  <th className={th}>{t("settings:members.name")}</th>
                  <th className={th}>{t("settings:members.email")}</th>
                  <th className={th}>{t("settings:members.role")}</th>
                  <th className={th}>MFA</th>
                  <th className={`${th} hidden lg:table-cell`}>{t("settings:members.joinedUtc")}</th>
                  <th className={th}>
                    <span className="sr-only">{t("settings:members.actions")}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((m) => (
                  <MemberRow key={m.user_id} m={m} roles={roles} onChanged={() => void qc.invalidateQueries({ queryKey: memberKey })} />
                ))}
              </tbody>
            </table>
          )}
          {list.hasNextPage && (
            <Button size="sm" className="mt-2" onClick={() => void list.fetchNextPage()}>
              {t("settings:members.loadMore")}
            </Button>
          )}
        </Section>
        <Section title={t("settings:members.invitations")}>
          {invs.error ? (
            <ProblemAlert error={invs.error} />
          ) : invs.isPending ? (
            <Spinner />
          ) : invRows.length === 0 ? (
            <p className="text-sm text-muted">{t("settings:members.noInvitations")}</p>
          ) : (
            <table className="w-full text-sm">
              <thead>
                <tr>
                  <th className={th}>{t("settings:members.email")}</th>
                  <th className={th}>{t("settings:members.role")}</th>
                  <th className={`${th} hidden lg:table-cell`}>{t("settings:members.created")}</th>
                  <th className={th}>{t("settings:members.expires")}</th>
                  <th className={th}>{t("settings:members.state")}</th>
                  <th className={th}>
                    <span className="sr-only">{t("settings:members.actions")}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {invRows.map((i) => {
                  const state = i.accepted_at ? "accepted" : i.revoked_at ? "revoked" : new Date(i.expires_at) < new Date() ? "expired" : "pending";
                  return (
                    <tr key={i.id} className="border-t border-slate-100 dark:border-slate-800">
                      <td className={`${td} break-all`}>{i.email}</td>
                      <td className={td}>{i.role}</td>
                      <td className={`${td} hidden lg:table-cell font-mono text-xs`}><Time iso={i.created_at} /></td>
                      <td className={`${td} font-mono text-xs`}><Time iso={i.expires_at} /></td>
                      <td className={td}>{state}</td>
                      <td className={`${td} text-right`}>
                        {state === "pending" && (
                          <Button size="sm" variant="dangerGhost" disabled={revoke.isPending} onClick={() => revoke.mutate(i.id)}>
                            {t("settings:members.revoke")}
                          </Button>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
          {revoke.error ? <ProblemAlert error={revoke.error} className="mt-2" /> : null}
        </Section>
      </div>
    </div>
  );
}
