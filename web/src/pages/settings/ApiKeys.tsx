import { useTranslation } from "react-i18next";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { apiKeys, openapi } from "../../api/endpoints";
import { usedPermissions, type Doc } from "../openapi";
import { ApiError } from "../../api/problem";
import type { CreatedApiKey } from "../../api/types";
import { useOrgKey, useSession } from "../../auth/session";
import { Button, Checkbox, CopyButton, Field, Input, PageHeader, ProblemAlert, Section, Spinner, fieldProps, td, th } from "../../components/ui";
import { fmtTime, localToISO } from "../../lib/format";
import { Time } from "../../components/Time";

function CreateKey({ onCreated }: { onCreated: (k: CreatedApiKey) => void }) {
  const { t } = useTranslation();
  const { org } = useSession();
  const doc = useQuery({ queryKey: ["openapi"], queryFn: openapi.get, staleTime: Infinity });
  // A key may carry only permissions its creator holds in this org, and
  // only those some operation uses are offered (the catalog also names
  // features that do not exist yet).
  const used = doc.data ? usedPermissions(doc.data as Doc) : null;
  const grantable = [...(org?.permissions ?? [])].filter((p) => !used || used.has(p)).sort();
  const [name, setName] = useState("");
  const [perms, setPerms] = useState<string[]>(() => (grantable.includes("alerts:ingest") ? ["alerts:ingest"] : []));
  const [expires, setExpires] = useState("");
  const m = useMutation({
    mutationFn: () => apiKeys.create({ name: name.trim(), permissions: perms, expires_at: localToISO(expires) }),
    onSuccess: (k) => {
      setName("");
      onCreated(k);
    },
  });
  const fields = m.error instanceof ApiError ? m.error.fieldErrors() : {};
  const submit = (e: FormEvent) => {
    e.preventDefault();
    m.mutate();
  };
  return (
    <form onSubmit={submit} className="space-y-3" noValidate>
      <div className="grid gap-3 md:grid-cols-2">
        <Field id="key-name" label={t("settings:apiKeys.name")} error={fields.name}>
          <Input {...fieldProps("key-name", fields.name)} value={name} onChange={(e) => setName(e.target.value)} placeholder={t("settings:apiKeys.eGSuricataSensor01")} />
        </Field>
        <Field id="key-expires" label={t("settings:apiKeys.expiresOptional")} error={fields.expires_at}>
          <Input {...fieldProps("key-expires", fields.expires_at)} type="datetime-local" value={expires} onChange={(e) => setExpires(e.target.value)} />
        </Field>
      </div>
      <fieldset aria-describedby={fields.permissions ? "key-perms-error" : undefined}>
        <legend className="mb-1 text-xs font-medium text-slate-600 dark:text-slate-400">{t("settings:apiKeys.permissions")}</legend>
        <div className="grid grid-cols-2 gap-1 md:grid-cols-4">
          {grantable.map((p) => (
            <label key={p} className="flex items-center gap-2 font-mono text-xs">
              <Checkbox label={p} checked={perms.includes(p)} onCheckedChange={(on) => setPerms((cur) => (on ? [...cur, p] : cur.filter((x) => x !== p)))} />
              {p}
            </label>
          ))}
        </div>
        {fields.permissions && (
          <p id="key-perms-error" role="alert" className="mt-1 text-xs text-red-700 dark:text-red-400">
            {fields.permissions}
          </p>
        )}
      </fieldset>
      {m.error && Object.keys(fields).length === 0 ? <ProblemAlert error={m.error} /> : null}
      <Button type="submit" variant="primary" disabled={m.isPending}>
        {t("settings:apiKeys.createKey")}
      </Button>
    </form>
  );
}

export function ApiKeysPage() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const key = useOrgKey("api-keys");
  const { org } = useSession();
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const q = useInfiniteQuery({
    queryKey: key,
    queryFn: ({ pageParam }) => apiKeys.list(pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (p) => p.next_cursor,
  });
  const revoke = useMutation({ mutationFn: apiKeys.revoke, onSuccess: () => void qc.invalidateQueries({ queryKey: key }) });
  const rows = q.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <div>
      <PageHeader title={t("settings:apiKeys.apiKeys")} />
      <div className="space-y-4 p-4">
        {created && (
          <div role="status" className="space-y-2 rounded border border-emerald-600/60 bg-emerald-50 p-3 dark:bg-emerald-950/30">
            <p className="text-sm font-medium">
              {t("settings:apiKeys.keyCreatedForCopyIt", { createdName: created.name, orgName: org?.name })}
            </p>
            <div className="flex items-center gap-2">
              <code data-testid="new-api-key" className="min-w-0 flex-1 rounded bg-white px-2 py-1 font-mono text-xs break-all select-all dark:bg-slate-900">
                {created.token}
              </code>
              <CopyButton text={created.token} />
              <Button size="sm" variant="ghost" onClick={() => setCreated(null)}>
                {t("settings:apiKeys.done")}
              </Button>
            </div>
          </div>
        )}
        <Section title={t("settings:apiKeys.createKey")}>
          <CreateKey onCreated={(k) => {
            setCreated(k);
            void qc.invalidateQueries({ queryKey: key });
          }} />
        </Section>
        <Section title={t("settings:apiKeys.keys")}>
          {q.error ? (
            <ProblemAlert error={q.error} />
          ) : q.isPending ? (
            <Spinner />
          ) : rows.length === 0 ? (
            <p className="text-sm text-muted">{t("settings:apiKeys.noApiKeys")}</p>
          ) : (
            <table className="w-full text-sm">
              <thead>
                <tr>
                  <th className={th}>{t("settings:apiKeys.name")}</th>
                  <th className={th}>{t("settings:apiKeys.prefix")}</th>
                  <th className={th}>{t("settings:apiKeys.permissions")}</th>
                  <th className={th}>{t("settings:apiKeys.created")}</th>
                  <th className={th}>{t("settings:apiKeys.lastUsed")}</th>
                  <th className={th}>{t("settings:apiKeys.expires")}</th>
                  <th className={th}>
                    <span className="sr-only">{t("settings:apiKeys.actions")}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((k) => (
                  <tr key={k.id} className="border-t border-slate-100 dark:border-slate-800">
                    <td className={td}>{k.name}</td>
                    <td className={`${td} font-mono text-xs`}>{k.prefix}</td>
                    <td className={`${td} font-mono text-[11px]`}>{(k.permissions ?? []).join(" ")}</td>
                    <td className={`${td} font-mono text-xs`}><Time iso={k.created_at} /></td>
                    <td className={`${td} font-mono text-xs`}><Time iso={k.last_used_at} /></td>
                    <td className={`${td} font-mono text-xs`}><Time iso={k.expires_at} /></td>
                    <td className={`${td} text-right`}>
                      {k.revoked_at ? (
                        <span className="text-xs text-muted">{t("settings:apiKeys.revoked", { value: fmtTime(k.revoked_at) })}</span>
                      ) : (
                        <Button
                          size="sm"
                          variant="dangerGhost"
                          disabled={revoke.isPending}
                          onClick={() => {
                            if (window.confirm(t("settings:apiKeys.confirmRevoke", { name: k.name }))) revoke.mutate(k.id);
                          }}
                        >
                          {t("settings:apiKeys.revoke")}
                        </Button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {revoke.error ? <ProblemAlert error={revoke.error} className="mt-2" /> : null}
          {q.hasNextPage && (
            <Button size="sm" className="mt-2" onClick={() => void q.fetchNextPage()}>
              {t("settings:apiKeys.loadMore")}
            </Button>
          )}
        </Section>
      </div>
    </div>
  );
}
