// Import a STIX 2.1 bundle or a MISP event from a file: a preview of what
// the file holds, then the import's counts (created, refreshed, rejected,
// allowlisted, by type) and the retro-hunt it queued.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type ChangeEvent, type FormEvent } from "react";
import { Link } from "react-router";
import { ApiError } from "../../api/problem";
import { useSession } from "../../auth/session";
import { Button, Field, ProblemAlert, Section, Select, td, th } from "../../components/ui";
import { detectFormat, intel, previewCounts } from "./intelApi";
import { IntelHeader } from "./parts";

type Format = "stix" | "misp";

interface Loaded {
  name: string;
  size: number;
  doc: unknown;
}

const MAX_BYTES = 32 << 20;

function Counts({ label, counts }: { label: string; counts: Record<string, number> }) {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (entries.length === 0) return <p className="text-sm text-muted">Nothing.</p>;
  return (
    <table className="text-sm" aria-label={label}>
      <thead>
        <tr>
          <th className={th}>Type</th>
          <th className={th}>Count</th>
        </tr>
      </thead>
      <tbody>
        {entries.map(([k, n]) => (
          <tr key={k} className="border-t border-slate-100 dark:border-slate-800">
            <td className={`${td} font-mono text-xs`}>{k}</td>
            <td className={`${td} text-xs`} data-testid={`count-${k}`}>
              {n}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ImportPage() {
  const { can } = useSession();
  const qc = useQueryClient();
  const [file, setFile] = useState<Loaded | null>(null);
  const [readError, setReadError] = useState("");
  const [format, setFormat] = useState<Format>("stix");
  const m = useMutation({
    mutationFn: () => intel.importFile(format, file?.doc),
    onSuccess: () => void qc.invalidateQueries({ predicate: (q) => q.queryKey.includes("intel-indicators") }),
  });
  const pick = async (e: ChangeEvent<HTMLInputElement>) => {
    const f = e.target.files?.[0];
    setFile(null);
    setReadError("");
    m.reset();
    if (!f) return;
    if (f.size > MAX_BYTES) {
      setReadError(`The file is ${(f.size / 1048576).toFixed(1)} MiB; at most 32 MiB can be imported at once.`);
      return;
    }
    try {
      const doc: unknown = JSON.parse(await f.text());
      const guess = detectFormat(doc);
      if (!guess) {
        setReadError("This JSON is neither a STIX 2.1 bundle nor a MISP event.");
        return;
      }
      setFormat(guess);
      setFile({ name: f.name, size: f.size, doc });
    } catch {
      setReadError("The file is not valid JSON.");
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (file) m.mutate();
  };
  const fields = m.error instanceof ApiError ? m.error.fieldErrors() : {};
  const res = m.data;
  if (!can("intel:manage")) {
    return (
      <div>
        <IntelHeader title="Import indicators" />
        <p className="p-4 text-sm text-muted" data-testid="no-access">
          Importing needs the intel:manage permission.
        </p>
      </div>
    );
  }
  return (
    <div>
      <IntelHeader title="Import indicators" />
      <div className="space-y-4 p-4">
        <Section title="File">
          <form onSubmit={submit} className="space-y-3" noValidate>
            <div className="grid gap-3 md:grid-cols-[1fr_12rem]">
              <Field id="intel-file" label="STIX 2.1 bundle or MISP event (JSON, up to 32 MiB)" error={readError || fields.body}>
                <input
                  id="intel-file"
                  type="file"
                  accept=".json,application/json,application/stix+json"
                  aria-invalid={readError ? true : undefined}
                  aria-describedby={readError ? "intel-file-error" : undefined}
                  onChange={(e) => void pick(e)}
                  className="block w-full text-sm file:mr-3 file:h-8 file:rounded file:border file:border-slate-300 file:bg-white file:px-3 file:text-sm file:text-slate-800 dark:file:border-slate-700 dark:file:bg-slate-900 dark:file:text-slate-200"
                />
              </Field>
              <Field id="intel-format" label="Format">
                <Select id="intel-format" value={format} onChange={(e) => setFormat(e.target.value as Format)}>
                  <option value="stix">STIX 2.1</option>
                  <option value="misp">MISP</option>
                </Select>
              </Field>
            </div>
            {file && (
              <div className="space-y-2" data-testid="import-preview">
                <p className="text-sm">
                  <span className="font-medium">{file.name}</span> ({(file.size / 1024).toFixed(1)} KiB):{" "}
                  {format === "stix" ? "STIX objects by type" : "MISP attributes by type"}
                </p>
                <Counts label="Preview" counts={previewCounts(file.doc, format)} />
              </div>
            )}
            {m.error && Object.keys(fields).length === 0 ? <ProblemAlert error={m.error} /> : null}
            <Button type="submit" variant="primary" disabled={!file || m.isPending}>
              {m.isPending ? "Importing…" : "Import"}
            </Button>
          </form>
        </Section>
        {res && (
          <Section title="Result">
            <div role="status" className="space-y-3" data-testid="import-result">
              <p className="text-sm">
                <span data-testid="import-created">{res.created}</span> created, <span data-testid="import-updated">{res.updated}</span> refreshed,{" "}
                <span data-testid="import-rejected">{res.rejected}</span> rejected
                {res.allowlisted > 0 ? (
                  <>
                    {" "}
                    (<span data-testid="import-allowlisted">{res.allowlisted}</span> on the allowlist)
                  </>
                ) : null}
                .
              </p>
              <Counts label="Stored by type" counts={res.by_type ?? {}} />
              {res.errors && res.errors.length > 0 && (
                <div>
                  <p className="text-xs font-medium text-muted">Rejected records (first {res.errors.length})</p>
                  <ul className="list-disc pl-5 text-xs">
                    {res.errors.map((e) => (
                      <li key={`${e.index}-${e.field}`}>
                        record {e.index}, <span className="font-mono">{e.field}</span>: {e.reason}
                      </li>
                    ))}
                  </ul>
                </div>
              )}
              <p className="text-sm">
                {res.hunt_id ? "A retro-hunt over recent alerts is running for the new indicators. " : ""}
                <Link to="/intel" className="text-sky-700 hover:underline dark:text-sky-400">
                  See the indicators
                </Link>
              </p>
            </div>
          </Section>
        )}
      </div>
    </div>
  );
}
