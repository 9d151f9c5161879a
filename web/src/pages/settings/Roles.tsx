// Roles: the built-in roles (read-only) and the org's custom roles, with a
// permission picker grouped by area that offers only permissions some API
// operation uses and the editor holds (the server refuses granting more).
import { useTranslation } from "react-i18next";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { openapi } from "../../api/endpoints";
import { ApiError } from "../../api/problem";
import type { Role } from "../../api/types";
import { useOrgKey, useSession } from "../../auth/session";
import { Dialog } from "../../components/Dialog";
import { Button, Checkbox, Field, Input, PageHeader, ProblemAlert, Section, Spinner, Tag, fieldProps, td, th } from "../../components/ui";
import { usedPermissions, type Doc } from "../openapi";
import { ConfirmDialog, textarea } from "./parts";
import { roles as rolesApi } from "./settingsApi";
import { areaLabel, permissionHelp, groupPermissions, pickablePermissions, roleNameProblem, msg } from "./validate";

function usePickable(current: string[]): string[] {
  const { org } = useSession();
  const doc = useQuery({ queryKey: ["openapi"], queryFn: openapi.get, staleTime: Infinity });
  const used = doc.data ? usedPermissions(doc.data as Doc) : null;
  return pickablePermissions(used, org?.permissions, current);
}

function PermissionPicker({ idPrefix, options, value, onChange, error }: { idPrefix: string; options: string[]; value: string[]; onChange: (v: string[]) => void; error?: string }) {
  const { t } = useTranslation();
  const errId = `${idPrefix}-perms-error`;
  return (
    <fieldset aria-describedby={error ? errId : undefined} className="space-y-2">
      <legend className="mb-1 text-xs font-medium text-slate-600 dark:text-slate-400">{t("settings:roles.permissions")}</legend>
      <div className="grid gap-2 md:grid-cols-2">
        {groupPermissions(options).map(([area, perms]) => (
          <fieldset key={area} className="rounded border border-slate-200 p-2 dark:border-slate-800">
            <legend className="px-1 text-xs font-semibold">{areaLabel(area)}</legend>
            {perms.map((p) => (
              <label key={p} className="flex items-start gap-2 py-0.5 text-xs">
                <Checkbox className="mt-0.5" label={p} checked={value.includes(p)} onCheckedChange={(on) => onChange(on ? [...value, p] : value.filter((x) => x !== p))} />
                <span>
                  <span className="font-mono">{p}</span>
                  {permissionHelp(p) ? <span className="block text-muted">{permissionHelp(p)}</span> : <span className="block text-muted">{t("settings:roles.notUsedByAnyOperation")}</span>}
                </span>
              </label>
            ))}
          </fieldset>
        ))}
      </div>
      {error && (
        <p id={errId} role="alert" className="text-xs text-red-700 dark:text-red-400">
          {error}
        </p>
      )}
    </fieldset>
  );
}

function fieldErrors(err: unknown): Record<string, string> {
  if (!(err instanceof ApiError)) return {};
  const f = err.fieldErrors();
  for (const k of Object.keys(f)) if (k.startsWith("permissions[") && !f.permissions) f.permissions = f[k] ?? "";
  if (err.status === 409 && /name/.test(err.detail)) f.name = err.detail;
  return f;
}

function RoleForm({ role, onDone, onCancel }: { role?: Role; onDone: () => void; onCancel?: () => void }) {
  const { t } = useTranslation();
  const [name, setName] = useState(role?.name ?? "");
  const [description, setDescription] = useState(role?.description ?? "");
  const [perms, setPerms] = useState<string[]>(role?.permissions ?? []);
  const [client, setClient] = useState<Record<string, string>>({});
  const options = usePickable(role?.permissions ?? []);
  const idp = role ? `edit-role-${role.id}` : "new-role";
  const m = useMutation({
    mutationFn: () =>
      role?.id
        ? rolesApi.update(role.id, { description: description.trim(), permissions: perms })
        : rolesApi.create({ name: name.trim(), description: description.trim() || undefined, permissions: perms }),
    onSuccess: () => {
      if (!role) {
        setName("");
        setDescription("");
        setPerms([]);
      }
      onDone();
    },
  });
  const server = fieldErrors(m.error);
  const errs = Object.keys(client).length ? client : server;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const c: Record<string, string> = {};
    if (!role) {
      const why = roleNameProblem(name.trim());
      if (why) c.name = why;
    }
    if (perms.length === 0) c.permissions = msg("onePermission");
    if (description.length > 500) c.description = msg("max500");
    setClient(c);
    if (Object.keys(c).length === 0) m.mutate();
  };
  return (
    <form onSubmit={submit} noValidate className="space-y-3">
      <div className="grid gap-3 md:grid-cols-[14rem_1fr]">
        {role ? (
          <div className="space-y-1">
            <p className="text-xs font-medium text-slate-600 dark:text-slate-400">{t("settings:roles.name")}</p>
            <p className="font-mono text-sm">{role.name}</p>
          </div>
        ) : (
          <Field id={`${idp}-name`} label={t("settings:roles.name")} error={errs.name} hint={t("settings:roles.lowercaseEGTier1Analyst")}>
            <Input {...fieldProps(`${idp}-name`, errs.name)} value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />
          </Field>
        )}
        <Field id={`${idp}-desc`} label={t("settings:roles.descriptionOptional")} error={errs.description}>
          <textarea {...fieldProps(`${idp}-desc`, errs.description)} className={textarea} rows={2} value={description} onChange={(e) => setDescription(e.target.value)} />
        </Field>
      </div>
      <PermissionPicker idPrefix={idp} options={options} value={perms} onChange={setPerms} error={errs.permissions} />
      {m.error && Object.keys(server).length === 0 && !Object.keys(client).length ? <ProblemAlert error={m.error} /> : null}
      <div className="flex gap-2">
        <Button type="submit" variant="primary" disabled={m.isPending}>
          {role ? t("settings:roles.saveRole") : t("settings:roles.createRole")}
        </Button>
        {onCancel && <Button onClick={onCancel}>{t("settings:roles.cancel")}</Button>}
      </div>
    </form>
  );
}

function Permissions({ perms }: { perms: string[] }) {
  return (
    <div className="flex flex-wrap gap-1">
      {perms.map((p) => (
        <Tag key={p}>{p}</Tag>
      ))}
    </div>
  );
}

export function RolesPage() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const { can } = useSession();
  const key = useOrgKey("roles");
  const q = useQuery({ queryKey: key, queryFn: rolesApi.list });
  const refresh = () => void qc.invalidateQueries({ queryKey: key });
  const manage = can("admin:org");
  const [editing, setEditing] = useState<Role | null>(null);
  const [deleting, setDeleting] = useState<Role | null>(null);
  const remove = useMutation({
    mutationFn: (id: string) => rolesApi.remove(id),
    onSuccess: () => {
      setDeleting(null);
      refresh();
    },
  });
  const all = q.data ?? [];
  const builtIn = all.filter((r) => r.built_in);
  const custom = all.filter((r) => !r.built_in);
  return (
    <div>
      <PageHeader title={t("settings:roles.roles")} />
      <div className="space-y-4 p-4">
        {manage ? (
          <Section title={t("settings:roles.newCustomRole")}>
            <RoleForm onDone={refresh} />
          </Section>
        ) : (
          <p className="text-sm text-muted">{t("settings:roles.creatingAndChangingCustomRoles")}</p>
        )}
        <Section title={t("settings:roles.customRoles")}>
          {q.error ? (
            <ProblemAlert error={q.error} />
          ) : q.isPending ? (
            <Spinner />
          ) : custom.length === 0 ? (
            <p className="text-sm text-muted">{t("settings:roles.noCustomRolesMembersGet")}</p>
          ) : (
            <table className="w-full text-sm">
              <thead>
                <tr>
                  <th className={th}>{t("settings:roles.name")}</th>
                  <th className={th}>{t("settings:roles.permissions")}</th>
                  {manage && (
                    <th className={th}>
                      <span className="sr-only">{t("settings:roles.actions")}</span>
                    </th>
                  )}
                </tr>
              </thead>
              <tbody>
                {custom.map((r) => (
                  <tr key={r.id ?? r.name} data-testid="custom-role-row" className="border-t border-slate-100 dark:border-slate-800">
                    <td className={td}>
                      <div className="font-mono">{r.name}</div>
                      {r.description && <div className="text-xs text-muted">{r.description}</div>}
                    </td>
                    <td className={td}>
                      <Permissions perms={r.permissions ?? []} />
                    </td>
                    {manage && (
                      <td className={`${td} text-right whitespace-nowrap`}>
                        <Button size="sm" onClick={() => setEditing(r)} aria-label={t("settings:roles.editRole", { rName: r.name })}>
                          {t("settings:roles.edit")}
                        </Button>{" "}
                        <Button size="sm" variant="dangerGhost" onClick={() => setDeleting(r)} aria-label={t("settings:roles.deleteRole", { rName: r.name })}>
                          {t("settings:roles.delete")}
                        </Button>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Section>
        <Section title={t("settings:roles.builtInRolesReadOnly")}>
          {q.isPending ? (
            <Spinner />
          ) : q.error ? null : (
            <table className="w-full text-sm">
              <thead>
                <tr>
                  <th className={th}>{t("settings:roles.name")}</th>
                  <th className={th}>{t("settings:roles.permissions")}</th>
                </tr>
              </thead>
              <tbody>
                {builtIn.map((r) => (
                  <tr key={r.name} className="border-t border-slate-100 dark:border-slate-800">
                    <td className={`${td} w-64`}>
                      <div className="font-mono">{r.name}</div>
                      <div className="text-xs text-muted">{r.description}</div>
                    </td>
                    <td className={td}>
                      <Permissions perms={r.permissions ?? []} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Section>
      </div>
      <Dialog open={!!editing} onOpenChange={(o) => !o && setEditing(null)} title={t("settings:roles.editRole2", { value: editing?.name ?? "" })} wide>
        {editing && (
          <RoleForm
            role={editing}
            onDone={() => {
              setEditing(null);
              refresh();
            }}
            onCancel={() => setEditing(null)}
          />
        )}
      </Dialog>
      <ConfirmDialog
        open={!!deleting}
        onOpenChange={(o) => !o && (setDeleting(null), remove.reset())}
        title={t("settings:roles.deleteRole2", { value: deleting?.name ?? "" })}
        description={t("settings:roles.aRoleStillAssignedTo")}
        confirmLabel={t("settings:roles.deleteRole3")}
        pending={remove.isPending}
        error={remove.error}
        onConfirm={() => deleting?.id && remove.mutate(deleting.id)}
      />
    </div>
  );
}
