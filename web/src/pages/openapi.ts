// A minimal reading of an OpenAPI 3.1 document for the API reference page.

export interface Schema {
  $ref?: string;
  type?: string | string[];
  format?: string;
  description?: string;
  enum?: unknown[];
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  default?: unknown;
  examples?: unknown[];
  readOnly?: boolean;
}

export interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: Schema;
  explode?: boolean;
}

export interface MediaType {
  schema?: Schema;
}

export interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, MediaType> };
  responses?: Record<string, { description?: string; content?: Record<string, MediaType> }>;
  deprecated?: boolean;
  "x-permission"?: string;
  "x-public"?: boolean;
  "x-org-scoped"?: boolean;
}

export interface Doc {
  openapi?: string;
  info?: { title?: string; version?: string; description?: string };
  paths?: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
  tags?: { name: string; description?: string }[];
}

export interface OpEntry {
  method: string;
  path: string;
  op: Operation;
}

const METHODS = ["get", "post", "put", "patch", "delete", "head", "options"];

/** groupByTag lists operations per tag (first tag; "Other" when none), tags sorted, ops by path then method. */
export function groupByTag(doc: Doc): [string, OpEntry[]][] {
  const groups = new Map<string, OpEntry[]>();
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const tag = op.tags?.[0] ?? "Other";
      if (!groups.has(tag)) groups.set(tag, []);
      groups.get(tag)!.push({ method: method.toUpperCase(), path, op });
    }
  }
  for (const ops of groups.values()) {
    ops.sort((a, b) => a.path.localeCompare(b.path) || METHODS.indexOf(a.method.toLowerCase()) - METHODS.indexOf(b.method.toLowerCase()));
  }
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b));
}

/** access describes who may call op. */
export function access(op: Operation): { kind: "public" | "authenticated" | "permission" | "undeclared"; perm?: string } {
  if (op["x-public"]) return { kind: "public" };
  const p = op["x-permission"];
  if (p === undefined) return { kind: "undeclared" };
  if (p === "") return { kind: "authenticated" };
  return { kind: "permission", perm: p };
}

/** refName returns "Alert" for "#/components/schemas/Alert". */
export function refName(ref: string): string {
  return ref.split("/").pop() ?? ref;
}

export function resolve(doc: Doc, s: Schema | undefined): Schema | undefined {
  if (!s?.$ref) return s;
  return doc.components?.schemas?.[refName(s.$ref)];
}

/** typeLabel is a one-line type: "string(date-time)", "array<Alert>", "integer|null". */
export function typeLabel(s: Schema | undefined): string {
  if (!s) return "any";
  if (s.$ref) return refName(s.$ref);
  if (s.oneOf || s.anyOf) return (s.oneOf ?? s.anyOf ?? []).map(typeLabel).join(" | ");
  const t = Array.isArray(s.type) ? s.type.join("|") : (s.type ?? "object");
  if (t.startsWith("array")) return `${t.replace("array", "array<" + typeLabel(s.items) + ">")}`;
  return s.format ? `${t}(${s.format})` : t;
}

/** constraints summarises validation keywords. */
export function constraints(s: Schema | undefined): string {
  if (!s) return "";
  const out: string[] = [];
  if (s.enum) out.push(`one of ${s.enum.map((v) => JSON.stringify(v)).join(", ")}`);
  if (s.minimum !== undefined) out.push(`≥ ${s.minimum}`);
  if (s.maximum !== undefined) out.push(`≤ ${s.maximum}`);
  if (s.minLength !== undefined) out.push(`min length ${s.minLength}`);
  if (s.maxLength !== undefined) out.push(`max length ${s.maxLength}`);
  if (s.pattern) out.push(`pattern ${s.pattern}`);
  if (s.default !== undefined) out.push(`default ${JSON.stringify(s.default)}`);
  return out.join(" · ");
}

/** usedPermissions lists the permissions some operation of the API requires:
 * what the server can actually do (the catalog also names future features). */
export function usedPermissions(doc: Doc): Set<string> {
  const out = new Set<string>();
  for (const methods of Object.values(doc.paths ?? {})) {
    for (const op of Object.values(methods ?? {})) {
      const p = (op as Operation | undefined)?.["x-permission"];
      if (p) out.add(p);
    }
  }
  return out;
}
