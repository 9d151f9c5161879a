import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { openapi } from "../api/endpoints";
import { Input, PageHeader, ProblemAlert, Spinner, td, th } from "../components/ui";
import { cx } from "../lib/format";
import { access, constraints, groupByTag, resolve, typeLabel, type Doc, type OpEntry, type Schema } from "./openapi";

const methodColor: Record<string, string> = {
  GET: "bg-sky-700",
  POST: "bg-emerald-700",
  PUT: "bg-amber-700",
  PATCH: "bg-violet-700",
  DELETE: "bg-red-700",
};

/** Md renders the only markdown the API descriptions use: `code` spans and paragraphs. */
function Md({ text, className }: { text: string; className?: string }) {
  return (
    <div className={className}>
      {text.split(/\n{2,}/).map((para, i) => (
        <p key={i} className="whitespace-pre-wrap">
          {para.split("`").map((part, j) =>
            j % 2 === 1 ? (
              <code key={j} className="rounded bg-slate-200 px-1 font-mono text-[0.85em] dark:bg-slate-800">
                {part}
              </code>
            ) : (
              part
            ),
          )}
        </p>
      ))}
    </div>
  );
}

/** hasChildren tells whether a schema renders nested properties. */
function hasChildren(doc: Doc, schema: Schema | undefined): boolean {
  const s = resolve(doc, schema);
  return !!(s?.properties || resolve(doc, s?.items)?.properties);
}

function SchemaTree({ doc, schema, depth = 0, seen = [] }: { doc: Doc; schema: Schema | undefined; depth?: number; seen?: string[] }) {
  const s = resolve(doc, schema);
  if (!s) return <span className="font-mono text-xs">any</span>;
  const ref = schema?.$ref;
  if (ref && seen.includes(ref)) return <span className="font-mono text-xs text-muted">{typeLabel(schema)} (recursive)</span>;
  const nextSeen = ref ? [...seen, ref] : seen;
  const item = s.items ? resolve(doc, s.items) : undefined;
  const props = s.properties ?? item?.properties;
  if (!props || depth > 5) {
    return <span className="font-mono text-xs">{typeLabel(schema)}</span>;
  }
  const required = new Set((s.properties ? s.required : item?.required) ?? []);
  return (
    <div>
      <span className="font-mono text-xs text-muted">{typeLabel(schema)}</span>
      <ul className="mt-1 space-y-1 border-l border-slate-300 pl-3 dark:border-slate-700">
        {Object.entries(props).map(([name, p]) => (
          <li key={name} className="text-xs">
            <span className="font-mono font-semibold">{name}</span>
            {required.has(name) && <span className="text-red-500" title="required">*</span>}{" "}
            {!hasChildren(doc, p) && <span className="font-mono text-sky-700 dark:text-sky-300">{typeLabel(p)}</span>}
            {p.description && <span className="text-muted"> — {p.description}</span>}
            {constraints(resolve(doc, p)) && <span className="ml-1 text-muted">[{constraints(resolve(doc, p))}]</span>}
            {hasChildren(doc, p) && (
              <div className="ml-1">
                <SchemaTree doc={doc} schema={p} depth={depth + 1} seen={nextSeen} />
              </div>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}

function OperationView({ doc, e }: { doc: Doc; e: OpEntry }) {
  const [open, setOpen] = useState(false);
  const a = access(e.op);
  const id = e.op.operationId ?? `${e.method}-${e.path}`;
  const body = e.op.requestBody?.content?.["application/json"]?.schema;
  return (
    <li id={id} className="rounded border border-slate-200 dark:border-slate-800" data-testid="api-operation">
      <button type="button" aria-expanded={open} onClick={() => setOpen((o) => !o)} className="flex w-full items-center gap-2 px-2 py-1.5 text-left hover:bg-slate-50 dark:hover:bg-slate-900">
        <span className={cx("w-16 rounded px-1 py-0.5 text-center font-mono text-[11px] font-bold text-white", methodColor[e.method] ?? "bg-slate-600")}>{e.method}</span>
        <span className="font-mono text-sm">{e.path}</span>
        <span className="truncate text-sm text-muted">{e.op.summary}</span>
        <span className="ml-auto shrink-0 font-mono text-[11px]">
          {a.kind === "permission" ? (
            <span className="rounded bg-amber-500/20 px-1.5 py-0.5 text-amber-800 dark:text-amber-300">{a.perm}</span>
          ) : a.kind === "public" ? (
            <span className="rounded bg-emerald-500/20 px-1.5 py-0.5 text-emerald-800 dark:text-emerald-300">public</span>
          ) : a.kind === "authenticated" ? (
            <span className="rounded bg-sky-500/20 px-1.5 py-0.5 text-sky-700 dark:text-sky-300">signed in</span>
          ) : (
            <span className="text-muted">—</span>
          )}
        </span>
      </button>
      {open && (
        <div className="space-y-3 border-t border-slate-200 p-3 dark:border-slate-800">
          {e.op.description && <Md text={e.op.description} className="space-y-2 text-sm text-slate-700 dark:text-slate-300" />}
          <p className="font-mono text-xs text-muted">
            operationId {e.op.operationId}
            {e.op["x-org-scoped"] ? " · org-scoped: send X-Org-ID" : ""}
          </p>
          {(e.op.parameters ?? []).length > 0 && (
            <div>
              <h4 className="mb-1 text-xs font-semibold text-muted uppercase">Parameters</h4>
              <table className="w-full text-xs">
                <thead>
                  <tr>
                    <th className={th}>Name</th>
                    <th className={th}>In</th>
                    <th className={th}>Type</th>
                    <th className={th}>Description</th>
                  </tr>
                </thead>
                <tbody>
                  {(e.op.parameters ?? []).map((p) => (
                    <tr key={`${p.in}:${p.name}`} className="border-t border-slate-100 dark:border-slate-800">
                      <td className={`${td} font-mono`}>
                        {p.name}
                        {p.required && <span className="text-red-500">*</span>}
                      </td>
                      <td className={td}>{p.in}</td>
                      <td className={`${td} font-mono`}>{typeLabel(p.schema)}</td>
                      <td className={td}>
                        {p.description}
                        {constraints(resolve(doc, p.schema)) && <span className="ml-1 text-muted">[{constraints(resolve(doc, p.schema))}]</span>}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {body && (
            <div>
              <h4 className="mb-1 text-xs font-semibold text-muted uppercase">Request body{e.op.requestBody?.required ? " (required)" : ""}</h4>
              <SchemaTree doc={doc} schema={body} />
            </div>
          )}
          <div>
            <h4 className="mb-1 text-xs font-semibold text-muted uppercase">Responses</h4>
            <ul className="space-y-2">
              {Object.entries(e.op.responses ?? {}).map(([code, r]) => {
                const media = r.content?.["application/json"] ?? r.content?.["application/problem+json"];
                return (
                  <li key={code} className="text-xs">
                    <span className={cx("font-mono font-bold", code.startsWith("2") ? "text-emerald-700 dark:text-emerald-400" : "text-red-700 dark:text-red-400")}>{code}</span> {r.description}
                    {media?.schema && code.startsWith("2") && (
                      <div className="mt-1 ml-4">
                        <SchemaTree doc={doc} schema={media.schema} />
                      </div>
                    )}
                  </li>
                );
              })}
            </ul>
          </div>
        </div>
      )}
    </li>
  );
}

export function ApiReferencePage() {
  const q = useQuery({ queryKey: ["openapi"], queryFn: openapi.get, staleTime: Infinity });
  const [filter, setFilter] = useState("");
  const doc = q.data as Doc | undefined;
  const groups = useMemo(() => (doc ? groupByTag(doc) : []), [doc]);
  const f = filter.trim().toLowerCase();
  const shown = groups
    .map(([tag, ops]) => [tag, ops.filter((e) => !f || `${e.method} ${e.path} ${e.op.summary ?? ""} ${e.op["x-permission"] ?? ""}`.toLowerCase().includes(f))] as const)
    .filter(([, ops]) => ops.length > 0);
  return (
    <div>
      <PageHeader title="API reference">
        <Input aria-label="Filter operations" placeholder="Filter by path, summary, permission" className="w-72" value={filter} onChange={(e) => setFilter(e.target.value)} />
        <a className="text-xs text-sky-700 hover:underline dark:text-sky-400" href="/api/v1/openapi.yaml">
          openapi.yaml
        </a>
      </PageHeader>
      <div className="space-y-6 p-4">
        {q.error ? <ProblemAlert error={q.error} /> : null}
        {q.isPending && <Spinner label="Loading OpenAPI document" />}
        {doc && (
          <div className="max-w-4xl space-y-1 text-sm">
            <p className="font-medium">
              {doc.info?.title} <span className="font-mono text-xs text-muted">v{doc.info?.version} · OpenAPI {doc.openapi}</span>
            </p>
            {doc.info?.description && <Md text={doc.info.description} className="text-slate-600 dark:text-slate-400" />}
            <p className="text-xs text-muted">
              Authenticate with the session cookie (browser) or <code className="font-mono">Authorization: Bearer snk_…</code>; org-scoped calls take the org in <code className="font-mono">X-Org-ID</code>. Errors are RFC 9457 problems with a stable <code className="font-mono">code</code>.
            </p>
          </div>
        )}
        {shown.map(([tag, ops]) => (
          <section key={tag} aria-labelledby={`tag-${tag}`}>
            <h2 id={`tag-${tag}`} className="mb-2 text-sm font-semibold">
              {tag} <span className="text-xs font-normal text-muted">({ops.length})</span>
            </h2>
            <ul className="space-y-1">
              {ops.map((e) => (
                <OperationView key={`${e.method} ${e.path}`} doc={doc!} e={e} />
              ))}
            </ul>
          </section>
        ))}
      </div>
    </div>
  );
}
