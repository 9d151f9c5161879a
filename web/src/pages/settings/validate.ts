// Client-side checks of the settings forms. They mirror the server's rules
// (which stay authoritative and answer with RFC 9457 field errors) so a
// typo is shown next to its field before anything is sent. Messages are in
// the UI language (settings:validate.* keys).
import i18n from "i18next";
import "../../i18n";

/** msg is a validation message in the UI language. */
export const msg = (key: string, opts?: Record<string, string>): string => i18n.t(`settings:validate.${key}`, opts ?? {});

/** parseList splits a textarea of one entry per line (commas and spaces also separate), without empties or repeats. */
export function parseList(text: string): string[] {
  const out: string[] = [];
  for (const part of text.split(/[\s,]+/)) {
    const v = part.trim();
    if (v && !out.includes(v)) out.push(v);
  }
  return out;
}

interface Addr {
  v: 4 | 6;
  /** 4 or 16 bytes. */
  bytes: number[];
}

function parseIPv4(s: string): number[] | null {
  const parts = s.split(".");
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    // Go's netip refuses leading zeros (ambiguous octal) and anything but digits.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out.push(n);
  }
  return out;
}

function parseIPv6(s: string): number[] | null {
  if (s.includes("%")) return null; // zones are not accepted in prefixes
  let str = s;
  const lastColon = s.lastIndexOf(":");
  const last = s.slice(lastColon + 1);
  if (last.includes(".")) {
    // An embedded IPv4 tail ("::ffff:1.2.3.4") is two groups.
    const v4 = parseIPv4(last);
    if (!v4) return null;
    const [a = 0, b = 0, c = 0, d = 0] = v4;
    str = `${s.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = str.split("::");
  if (halves.length > 2) return null;
  const group = (h: string): number[] | null => {
    if (h === "") return [];
    const out: number[] = [];
    for (const g of h.split(":")) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      const n = parseInt(g, 16);
      out.push(n >> 8, n & 0xff);
    }
    return out;
  };
  const head = group(halves[0] ?? "");
  const rest = halves.length === 2 ? group(halves[1] ?? "") : [];
  if (!head || !rest) return null;
  if (halves.length === 2) {
    if (head.length + rest.length > 14) return null; // "::" stands for at least one group
    return [...head, ...new Array<number>(16 - head.length - rest.length).fill(0), ...rest];
  }
  return head.length === 16 ? head : null;
}

/** parseAddr parses an IPv4 or IPv6 address as Go's netip.ParseAddr does (no zones). */
export function parseAddr(s: string): Addr | null {
  if (s.includes(":")) {
    const b = parseIPv6(s);
    return b ? { v: 6, bytes: b } : null;
  }
  const b = parseIPv4(s);
  return b ? { v: 4, bytes: b } : null;
}

/** parsePrefix parses "addr/bits" (host bits may be set, as netip.ParsePrefix allows). */
export function parsePrefix(s: string): { addr: Addr; bits: number } | null {
  const i = s.lastIndexOf("/");
  if (i < 0) return null;
  const addr = parseAddr(s.slice(0, i));
  const b = s.slice(i + 1);
  if (!addr || !/^(0|[1-9][0-9]{0,2})$/.test(b)) return null;
  const bits = Number(b);
  if (bits > addr.bytes.length * 8) return null;
  return { addr, bits };
}

function is4in6(a: Addr): boolean {
  return a.v === 6 && a.bytes.slice(0, 10).every((x) => x === 0) && a.bytes[10] === 0xff && a.bytes[11] === 0xff;
}

/**
 * senderNetworkProblem explains why c cannot be a syslog sender network, or
 * returns "" (ingest.senderNetworkProblem: a unicast CIDR, IPv4 /16 or
 * narrower, IPv6 /48 or narrower; loopback is always fine).
 */
export function senderNetworkProblem(c: string): string {
  const p = parsePrefix(c);
  if (!p) return msg("notCidr");
  const { addr, bits } = p;
  const b = addr.bytes;
  const v4 = addr.v === 4 ? b : is4in6(addr) ? b.slice(12) : null;
  const unspecified = b.every((x) => x === 0);
  const first = b[0] ?? 0;
  const multicast = addr.v === 4 ? first >= 224 && first <= 239 : first === 0xff;
  const loopback = addr.v === 4 ? first === 127 : b.slice(0, 15).every((x) => x === 0) && b[15] === 1;
  if (unspecified || multicast) return msg("notUnicast");
  if (loopback) return "";
  if (addr.v === 4 && bits < 16) return msg("tooBroad4");
  if (addr.v === 6 && !v4 && bits < 48) return msg("tooBroad6");
  if (addr.v === 6 && v4 && bits < 96 + 16) return msg("tooBroad4");
  return "";
}

/** allowlistProblem checks one IP allowlist entry: a CIDR or a bare address (identity.normalizeCIDRs). */
export function allowlistProblem(c: string): string {
  if (parsePrefix(c) || parseAddr(c)) return "";
  return msg("notCidrOrIp", { value: c });
}

/** domainProblem checks one allowed email domain of the OIDC configuration. */
export function domainProblem(d: string): string {
  const v = d.trim().toLowerCase();
  if (!v || v.length > 253 || /[@/ ]/.test(v) || !v.includes(".")) return msg("domain");
  return "";
}

/** issuerProblem checks the OIDC issuer URL (https; http only outside production, which the server decides). */
export function issuerProblem(s: string): string {
  let u: URL;
  try {
    u = new URL(s.trim());
  } catch {
    return msg("issuerHttps");
  }
  if ((u.protocol !== "https:" && u.protocol !== "http:") || !u.host) return msg("issuerHttps");
  if (u.username || u.password || u.search || u.hash) return msg("issuerParts");
  return "";
}

export const BUILT_IN_ROLES = ["owner", "admin", "analyst", "responder", "viewer", "auditor"];

/** roleNameProblem mirrors rbac.ValidRoleName. */
export function roleNameProblem(name: string): string {
  if (!/^[a-z][a-z0-9_-]{1,39}$/.test(name)) return msg("roleName");
  if (BUILT_IN_ROLES.includes(name)) return msg("roleBuiltIn");
  return "";
}

/**
 * listErrors maps per-item problems to field keys the way the server names
 * them ("allowed_cidrs[1]"), so client and server errors show alike.
 */
export function listErrors(field: string, items: string[], check: (s: string) => string): Record<string, string> {
  const out: Record<string, string> = {};
  items.forEach((it, i) => {
    const why = check(it);
    if (why) out[`${field}[${i}]`] = `${it}: ${why}`;
  });
  return out;
}

/**
 * listFieldError folds the errors of a list field and its items
 * ("ip_allowlist", "ip_allowlist[2]") into one message for the field, with
 * the entry a server message refers to.
 */
export function listFieldError(errors: Record<string, string>, field: string, items: string[]): string | undefined {
  const msgs: string[] = [];
  if (errors[field]) msgs.push(errors[field]);
  for (const [k, v] of Object.entries(errors)) {
    const m = new RegExp(`^${field.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\[(\\d+)\\]$`).exec(k);
    if (!m) continue;
    const item = items[Number(m[1])];
    msgs.push(item !== undefined && !v.startsWith(`${item}:`) ? `${item}: ${v}` : v);
  }
  return msgs.length ? msgs.join("; ") : undefined;
}

/** AREA_ORDER is the order of the permission areas (the part before ":"); labels are settings:areas.* keys. */
const AREA_ORDER = ["alerts", "sources", "incidents", "intel", "apikeys", "admin", "audit", "ops"];

/** permissionHelp says what a permission lets a member do, or "" for one without a description. */
export function permissionHelp(p: string): string {
  const key = `settings:permissionHelp.${p.replace(":", "_")}`;
  return i18n.exists(key) ? i18n.t(key) : "";
}

export function areaLabel(area: string): string {
  return AREA_ORDER.includes(area) ? i18n.t(`settings:areas.${area}`) : area;
}

/** groupPermissions groups permission names by area, areas in a fixed order, names sorted. */
export function groupPermissions(perms: Iterable<string>): [string, string[]][] {
  const groups = new Map<string, string[]>();
  for (const p of perms) {
    const area = p.includes(":") ? p.slice(0, p.indexOf(":")) : p;
    if (!groups.has(area)) groups.set(area, []);
    groups.get(area)!.push(p);
  }
  const rank = (a: string) => (AREA_ORDER.includes(a) ? AREA_ORDER.indexOf(a) : AREA_ORDER.length);
  return [...groups.entries()]
    .map(([a, ps]) => [a, [...new Set(ps)].sort()] as [string, string[]])
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
}

/**
 * pickablePermissions is what a role editor offers: permissions some API
 * operation uses (null while the document loads: then none is filtered)
 * that the editor holds (the server refuses granting others), plus those
 * the role already has so an edit never drops one silently.
 */
export function pickablePermissions(used: Set<string> | null, held: string[] | undefined, current: string[] = []): string[] {
  const base = (held ?? []).filter((p) => !used || used.has(p));
  return [...new Set([...base, ...current])].sort();
}

/** Session lifetime: the form takes minutes; the API takes seconds (0, or 300..2592000). */
export function lifetimeProblem(minutes: string): string {
  const v = minutes.trim();
  if (v === "") return "";
  if (!/^\d+$/.test(v)) return msg("lifetimeWhole");
  const n = Number(v);
  if (n !== 0 && (n < 5 || n > 43200)) return msg("lifetimeRange");
  return "";
}
