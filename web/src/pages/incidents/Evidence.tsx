// Incident evidence: upload (streamed raw body), list with hash and
// integrity, download (verified by the server; a tampered file is refused
// with 409), verify, chain of custody, signed manifest export.
import { useTranslation } from "react-i18next";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRef, useState } from "react";
import { api } from "../../api/client";
import { ApiError } from "../../api/problem";
import { raw, save } from "./download";
import { toPage } from "../../api/list";
import { useOrgKey, useSession } from "../../auth/session";
import { Button, ProblemAlert, Spinner } from "../../components/ui";
import { cx } from "../../lib/format";
import { Time } from "../../components/Time";

export interface Evidence {
  id: string;
  name: string;
  content_type: string;
  size: number;
  sha256: string;
  description: string;
  collected_by: string;
  collected_at: string;
  integrity: "ok" | "failed";
  last_verified_at?: string;
  custody_entries: number;
}

interface Custody {
  entries: { seq: number; at: string; actor: string; action: string; hash: string }[] | null;
  chain_valid: boolean;
  broken_at?: number;
  problem?: string;
}

const fmtSize = (n: number) => (n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1048576).toFixed(1)} MiB`);

function CustodyView({ id }: { id: string }) {
  const { t } = useTranslation();
  const q = useQuery({ queryKey: useOrgKey("incident-evidence-custody", id), queryFn: () => api.get<Custody>(`evidence/${encodeURIComponent(id)}/custody`) });
  if (q.isPending) return <Spinner label={t("incidents:evidence.loadingChainOfCustody")} />;
  if (q.error) return <ProblemAlert error={q.error} />;
  return (
    <div className="text-xs" data-testid="custody">
      <p className={q.data.chain_valid ? "text-emerald-700 dark:text-emerald-400" : "text-red-700 dark:text-red-400"}>
        {q.data.chain_valid ? t("incidents:evidence.custodyChainIntact") : t("incidents:evidence.custodyChainBrokenAtEntry", { qDataBroken_at: q.data.broken_at, value: q.data.problem ?? "" })}
      </p>
      <ol className="mt-1 space-y-0.5">
        {(q.data.entries ?? []).map((e) => (
          <li key={e.seq}>
            #{e.seq} <Time iso={e.at} /> <strong>{e.action}</strong>{" "}{t("incidents:evidence.by")}{" "}<span className="font-mono">{e.actor}</span>
          </li>
        ))}
      </ol>
    </div>
  );
}

export function EvidencePanel({ incidentId, editable }: { incidentId: string; editable: boolean }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const { can } = useSession();
  const key = useOrgKey("incident-evidence", incidentId);
  const q = useQuery({ queryKey: key, queryFn: async () => toPage<Evidence>(await api.get<unknown>(`incidents/${encodeURIComponent(incidentId)}/evidence`, { query: { limit: 200 } })).items });
  const file = useRef<HTMLInputElement>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [note, setNote] = useState("");
  const refresh = () => void qc.invalidateQueries({ predicate: (x) => typeof x.queryKey[2] === "string" && x.queryKey[2].startsWith("incident-evidence") });
  const upload = useMutation({
    mutationFn: async (f: File) =>
      (await raw("POST", `incidents/${encodeURIComponent(incidentId)}/evidence?name=${encodeURIComponent(f.name)}`, f, f.type || "application/octet-stream")).json(),
    onSuccess: () => {
      if (file.current) file.current.value = "";
      refresh();
    },
  });
  const download = useMutation({
    mutationFn: async (e: Evidence) => save(await raw("GET", `evidence/${encodeURIComponent(e.id)}/content`), e.name),
    onSettled: refresh,
  });
  const verify = useMutation({
    mutationFn: (e: Evidence) => api.post<{ ok: boolean; reason?: string }>(`evidence/${encodeURIComponent(e.id)}/verify`),
    onSuccess: (r, e) => {
      setNote(r.ok ? `${e.name}: hash verified.` : `${e.name}: integrity check FAILED — ${r.reason ?? ""}`);
      refresh();
    },
  });
  const manifest = useMutation({ mutationFn: async () => save(await raw("GET", `incidents/${encodeURIComponent(incidentId)}/evidence-manifest`), "manifest.json") });
  const err = upload.error ?? download.error ?? verify.error ?? manifest.error;
  return (
    <div className="space-y-2">
      {editable && can("incidents:manage") && (
        <div className="flex flex-wrap items-center gap-2">
          <input ref={file} type="file" aria-label={t("incidents:evidence.evidenceFile")} className="max-w-full text-xs" onChange={(e) => e.target.files?.[0] && upload.mutate(e.target.files[0])} />
          {upload.isPending && <Spinner label={t("incidents:evidence.uploading")} />}
        </div>
      )}
      {err ? (
        <div data-testid="evidence-error" className="space-y-1">
          {err instanceof ApiError && err.code === "evidence_integrity_failed" && (
            <p className="rounded border-2 border-red-700 bg-red-50 px-3 py-2 text-sm font-semibold text-red-900 dark:bg-red-950/60 dark:text-red-100">
              {t("incidents:evidence.downloadRefusedTheStoredFile")}
            </p>
          )}
          <ProblemAlert error={err} className={cx(err instanceof ApiError && err.code === "evidence_integrity_failed" && "border-2")} />
        </div>
      ) : null}
      {note && (
        <p role="status" className="text-xs">
          {note}
        </p>
      )}
      {q.isPending ? (
        <Spinner label={t("incidents:evidence.loadingEvidence")} />
      ) : q.error ? (
        <ProblemAlert error={q.error} />
      ) : q.data.length === 0 ? (
        <p className="text-sm text-muted">{t("incidents:evidence.noEvidenceCollected")}</p>
      ) : (
        <>
          <ul className="space-y-2" aria-label={t("incidents:evidence.evidence")}>
            {q.data.map((e) => (
              <li key={e.id} className="rounded border border-slate-200 p-2 dark:border-slate-800" data-testid="evidence">
                <p className="text-sm font-medium break-all">
                  {e.name} {e.integrity === "failed" && <span className="rounded bg-red-700 px-1 text-[11px] text-white">{t("incidents:evidence.integrityFailed")}</span>}
                </p>
                <p className="text-[11px] text-muted">
                  {fmtSize(e.size)} · {e.content_type} · <Time iso={e.collected_at} />
                </p>
                <p className="font-mono text-[10px] break-all text-muted" title={t("incidents:evidence.sha256")}>
                  {e.sha256}
                </p>
                <div className="mt-1 flex flex-wrap gap-1">
                  <Button size="sm" variant="ghost" disabled={download.isPending} onClick={() => download.mutate(e)} aria-label={t("incidents:evidence.download", { eName: e.name })}>
                    {t("incidents:evidence.download2")}
                  </Button>
                  {can("incidents:manage") && (
                    <Button size="sm" variant="ghost" disabled={verify.isPending} onClick={() => verify.mutate(e)} aria-label={t("incidents:evidence.verify", { eName: e.name })}>
                      {t("incidents:evidence.verify2")}
                    </Button>
                  )}
                  <Button size="sm" variant="ghost" aria-expanded={open === e.id} onClick={() => setOpen(open === e.id ? null : e.id)}>
                    {t("incidents:evidence.custody", { eCustody_entries: e.custody_entries })}
                  </Button>
                </div>
                {open === e.id && <CustodyView id={e.id} />}
              </li>
            ))}
          </ul>
          <Button size="sm" disabled={manifest.isPending} onClick={() => manifest.mutate()}>
            {t("incidents:evidence.exportSignedManifest")}
          </Button>
        </>
      )}
    </div>
  );
}
