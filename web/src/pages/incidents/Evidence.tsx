// Incident evidence: upload (streamed raw body), list with hash and
// integrity, download (verified by the server; a tampered file is refused
// with 409), verify, chain of custody, signed manifest export.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRef, useState } from "react";
import { api } from "../../api/client";
import { ApiError } from "../../api/problem";
import { raw, save } from "./download";
import { toPage } from "../../api/list";
import { useOrgKey, useSession } from "../../auth/session";
import { Button, ProblemAlert, Spinner } from "../../components/ui";
import { cx, fmtTime } from "../../lib/format";

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
  const q = useQuery({ queryKey: useOrgKey("incident-evidence-custody", id), queryFn: () => api.get<Custody>(`evidence/${encodeURIComponent(id)}/custody`) });
  if (q.isPending) return <Spinner label="Loading chain of custody" />;
  if (q.error) return <ProblemAlert error={q.error} />;
  return (
    <div className="text-xs" data-testid="custody">
      <p className={q.data.chain_valid ? "text-emerald-700 dark:text-emerald-400" : "text-red-700 dark:text-red-400"}>
        {q.data.chain_valid ? "Custody chain intact." : `Custody chain broken at entry ${q.data.broken_at}: ${q.data.problem ?? ""}`}
      </p>
      <ol className="mt-1 space-y-0.5">
        {(q.data.entries ?? []).map((e) => (
          <li key={e.seq}>
            #{e.seq} {fmtTime(e.at)} <strong>{e.action}</strong> by <span className="font-mono">{e.actor}</span>
          </li>
        ))}
      </ol>
    </div>
  );
}

export function EvidencePanel({ incidentId, editable }: { incidentId: string; editable: boolean }) {
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
          <input ref={file} type="file" aria-label="Evidence file" className="max-w-full text-xs" onChange={(e) => e.target.files?.[0] && upload.mutate(e.target.files[0])} />
          {upload.isPending && <Spinner label="Uploading" />}
        </div>
      )}
      {err ? (
        <div data-testid="evidence-error" className="space-y-1">
          {err instanceof ApiError && err.code === "evidence_integrity_failed" && (
            <p className="rounded border-2 border-red-700 bg-red-50 px-3 py-2 text-sm font-semibold text-red-900 dark:bg-red-950/60 dark:text-red-100">
              Download refused: the stored file no longer matches the SHA-256 taken at collection (integrity check failed). It may have been altered; the failure is recorded in its chain of custody and the audit log.
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
        <Spinner label="Loading evidence" />
      ) : q.error ? (
        <ProblemAlert error={q.error} />
      ) : q.data.length === 0 ? (
        <p className="text-sm text-muted">No evidence collected.</p>
      ) : (
        <>
          <ul className="space-y-2" aria-label="Evidence">
            {q.data.map((e) => (
              <li key={e.id} className="rounded border border-slate-200 p-2 dark:border-slate-800" data-testid="evidence">
                <p className="text-sm font-medium break-all">
                  {e.name} {e.integrity === "failed" && <span className="rounded bg-red-700 px-1 text-[11px] text-white">INTEGRITY FAILED</span>}
                </p>
                <p className="text-[11px] text-muted">
                  {fmtSize(e.size)} · {e.content_type} · {fmtTime(e.collected_at)}
                </p>
                <p className="font-mono text-[10px] break-all text-muted" title="SHA-256">
                  {e.sha256}
                </p>
                <div className="mt-1 flex flex-wrap gap-1">
                  <Button size="sm" variant="ghost" disabled={download.isPending} onClick={() => download.mutate(e)} aria-label={`Download ${e.name}`}>
                    Download
                  </Button>
                  {can("incidents:manage") && (
                    <Button size="sm" variant="ghost" disabled={verify.isPending} onClick={() => verify.mutate(e)} aria-label={`Verify ${e.name}`}>
                      Verify
                    </Button>
                  )}
                  <Button size="sm" variant="ghost" aria-expanded={open === e.id} onClick={() => setOpen(open === e.id ? null : e.id)}>
                    Custody ({e.custody_entries})
                  </Button>
                </div>
                {open === e.id && <CustodyView id={e.id} />}
              </li>
            ))}
          </ul>
          <Button size="sm" disabled={manifest.isPending} onClick={() => manifest.mutate()}>
            Export signed manifest
          </Button>
        </>
      )}
    </div>
  );
}
