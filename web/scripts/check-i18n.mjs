#!/usr/bin/env node
// check-i18n: no user-facing string is hard-coded in a component, and every
// literal t("…") key exists in English (docs/ui.md "Languages and time zones").
//
// Parses every .tsx under web/src with the TypeScript compiler and reports
//   - JSX text with letters,
//   - user-facing attributes (ATTRS) whose value is a string literal, a
//     template with literal words, or a conditional/logical of those,
//   - string literals with letters rendered as JSX children ({cond ? "A" : "B"}),
//   - t("key") / i18n.t("key") / <Trans i18nKey="key"> keys missing from
//     src/locales/en (namespace from useTranslation("ns") in the enclosing
//     function, "ns:key" prefixes, fallback to common, plural suffixes).
//
// Usage: node scripts/check-i18n.mjs [--strict] [--json]
//   hard-coded strings fail only with --strict (or I18N_STRICT=1); unknown
//   keys always fail. --json prints {hardcoded, unknownKeys} for tests.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(root, "src");

/** Attributes and props whose string value is read by people. */
const ATTRS = new Set([
  "aria-label",
  "aria-description",
  "aria-placeholder",
  "aria-roledescription",
  "aria-valuetext",
  "title",
  "placeholder",
  "alt",
  "label",
  "hint",
  "description",
  "submit",
  "submitLabel",
  "confirmLabel",
  "cancelLabel",
  "heading",
  "caption",
  "emptyText",
  "empty",
  "tooltip",
  "legend",
]);

/**
 * ALLOW are exact texts that are not language: product and protocol names,
 * codes and units that read the same in every language. Keep it small and
 * say why.
 */
const ALLOW = new Set([
  "SecureNexus", // product name
  "TOTP", // protocol name
  "UTC", // time standard
  "HTTP", // protocol name
  "JSON", // format name
  "CSV", // format name
  "PDF", // format name
  "Markdown", // format name
  "ATT&CK", // MITRE framework name
  "MITRE ATT&CK", // framework name
  "CEL", // expression language name
  "OIDC", // protocol name
  "IP", // address kind
  "ID", // identifier
  "SLA", // service level agreement (used untranslated in German)
  "MTTA", // metric abbreviation
  "MTTR", // metric abbreviation
  "p50", // percentile
  "p90", // percentile
  "p95", // percentile
  "TLP", // Traffic Light Protocol
  "PAP", // Permissible Actions Protocol
  "IOC", // indicator of compromise
  "STIX", // format name
  "MFA", // multi-factor authentication (same in German)
]);

const hasWords = (s) => /\p{L}{2,}/u.test(s);
const allowed = (s) => !hasWords(s) || ALLOW.has(s.trim());

function walk(dir, out = []) {
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith(".tsx") && !p.endsWith(".test.tsx")) out.push(p);
  }
  return out;
}

function flatten(obj, prefix = "", out = new Set()) {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === "object") flatten(v, key, out);
    else out.add(key);
  }
  return out;
}

function englishKeys() {
  const keys = new Map();
  const dir = join(src, "locales", "en");
  for (const f of readdirSync(dir).filter((f) => f.endsWith(".json"))) {
    keys.set(f.replace(/\.json$/, ""), flatten(JSON.parse(readFileSync(join(dir, f), "utf8"))));
  }
  return keys;
}

function keyExists(keys, ns, key) {
  let n = ns;
  let k = key;
  const i = key.indexOf(":");
  if (i > 0) {
    n = key.slice(0, i);
    k = key.slice(i + 1);
  }
  const has = (nsName) => {
    const set = keys.get(nsName);
    return !!set && (set.has(k) || set.has(`${k}_one`) || set.has(`${k}_other`));
  };
  return has(n) || (i < 0 && has("common"));
}

/** literalWords returns the literal text of a string-ish expression that reads as language, or null. */
function literalTexts(expr) {
  if (!expr) return [];
  if (ts.isStringLiteral(expr) || ts.isNoSubstitutionTemplateLiteral(expr)) return allowed(expr.text) ? [] : [expr.text];
  if (ts.isTemplateExpression(expr)) {
    const parts = [expr.head.text, ...expr.templateSpans.map((s) => s.literal.text)].join(" ");
    const own = allowed(parts) ? [] : [parts.trim()];
    return [...own, ...expr.templateSpans.flatMap((s) => literalTexts(s.expression))];
  }
  if (ts.isParenthesizedExpression(expr)) return literalTexts(expr.expression);
  if (ts.isConditionalExpression(expr)) return [...literalTexts(expr.whenTrue), ...literalTexts(expr.whenFalse)];
  if (ts.isBinaryExpression(expr)) {
    const op = expr.operatorToken.kind;
    if (op === ts.SyntaxKind.AmpersandAmpersandToken) return literalTexts(expr.right);
    if (op === ts.SyntaxKind.BarBarToken || op === ts.SyntaxKind.QuestionQuestionToken || op === ts.SyntaxKind.PlusToken)
      return [...literalTexts(expr.left), ...literalTexts(expr.right)];
  }
  return [];
}

function useTranslationNS(fn) {
  let ns = null;
  const body = fn.body;
  if (!body || !ts.isBlock(body)) return null;
  for (const st of body.statements) {
    if (!ts.isVariableStatement(st)) continue;
    for (const d of st.declarationList.declarations) {
      const init = d.initializer;
      if (init && ts.isCallExpression(init) && ts.isIdentifier(init.expression) && init.expression.text === "useTranslation") {
        const a = init.arguments[0];
        ns = a && ts.isStringLiteral(a) ? a.text : "common";
      }
    }
  }
  return ns;
}

export function check() {
  const keys = englishKeys();
  const hardcoded = [];
  const unknownKeys = [];
  for (const file of walk(src)) {
    const text = readFileSync(file, "utf8");
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
    const rel = relative(root, file);
    const at = (node) => `${rel}:${sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1}`;
    const report = (node, what, s) => hardcoded.push({ at: at(node), what, text: s.replace(/\s+/g, " ").trim() });
    const visit = (node, ns) => {
      if (ts.isFunctionLike(node)) ns = useTranslationNS(node) ?? ns;
      if (ts.isJsxText(node)) {
        if (!allowed(node.text)) report(node, "text", node.text);
      } else if (ts.isJsxExpression(node) && node.parent && (ts.isJsxElement(node.parent) || ts.isJsxFragment(node.parent))) {
        for (const s of literalTexts(node.expression)) report(node, "text", s);
      } else if (ts.isJsxAttribute(node)) {
        const name = node.name.getText(sf);
        const init = node.initializer;
        if (ATTRS.has(name) && init) {
          const texts = ts.isStringLiteral(init) ? (allowed(init.text) ? [] : [init.text]) : ts.isJsxExpression(init) ? literalTexts(init.expression) : [];
          for (const s of texts) report(node, name, s);
        }
        if (name === "i18nKey" && init && ts.isStringLiteral(init) && !keyExists(keys, ns ?? "common", init.text)) unknownKeys.push({ at: at(node), key: init.text, ns });
      } else if (ts.isCallExpression(node)) {
        const callee = node.expression;
        const isT = (ts.isIdentifier(callee) && callee.text === "t") || (ts.isPropertyAccessExpression(callee) && callee.name.text === "t");
        const a = node.arguments[0];
        if (isT && a && ts.isStringLiteral(a)) {
          const useNs = ts.isPropertyAccessExpression(callee) ? "common" : (ns ?? "common");
          if (!keyExists(keys, useNs, a.text)) unknownKeys.push({ at: at(node), key: a.text, ns: useNs });
        }
      }
      ts.forEachChild(node, (c) => visit(c, ns));
    };
    visit(sf, null);
  }
  return { hardcoded, unknownKeys };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const strict = process.argv.includes("--strict") || process.env.I18N_STRICT === "1";
  const res = check();
  if (process.argv.includes("--json")) {
    console.log(JSON.stringify(res, null, 2));
  } else {
    const byFile = new Map();
    for (const h of res.hardcoded) {
      const f = h.at.split(":")[0];
      byFile.set(f, (byFile.get(f) ?? 0) + 1);
    }
    for (const h of res.hardcoded) console.log(`${h.at}: hard-coded ${h.what}: ${JSON.stringify(h.text)}`);
    for (const u of res.unknownKeys) console.log(`${u.at}: unknown key ${JSON.stringify(u.key)} (namespace ${u.ns ?? "common"})`);
    console.log(`\n${res.hardcoded.length} hard-coded strings in ${byFile.size} files; ${res.unknownKeys.length} unknown keys.`);
    for (const [f, n] of [...byFile].sort((a, b) => b[1] - a[1])) console.log(`  ${String(n).padStart(4)}  ${f}`);
  }
  if (res.unknownKeys.length > 0 || (strict && res.hardcoded.length > 0)) process.exit(1);
}
