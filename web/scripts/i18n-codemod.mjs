#!/usr/bin/env node
// i18n-codemod: moves the hard-coded strings of one .tsx file into a locale
// namespace (a helper for converting pages; review the diff). Usage:
//   node scripts/i18n-codemod.mjs <file.tsx> <namespace> <keyPrefix>
// Rewrites JSX text (a sentence with {values} becomes one t() call with
// placeholders), user-facing attributes and string literals rendered in
// JSX into t("ns:prefix.key") calls, adds useTranslation() to the
// enclosing component (i18n.t outside components), and adds the English
// strings to src/locales/en/<namespace>.json. German goes in by hand.
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const [file, ns, prefix] = process.argv.slice(2);
if (!file || !ns || !prefix) {
  console.error("usage: i18n-codemod.mjs <file.tsx> <namespace> <keyPrefix>");
  process.exit(2);
}
const ATTRS = new Set(["aria-label", "aria-description", "aria-placeholder", "aria-roledescription", "aria-valuetext", "title", "placeholder", "alt", "label", "hint", "description", "submit", "submitLabel", "confirmLabel", "cancelLabel", "heading", "caption", "emptyText", "empty", "tooltip", "legend"]);
const ALLOW = new Set(["SecureNexus", "TOTP", "UTC", "HTTP", "JSON", "CSV", "PDF", "Markdown", "ATT&CK", "MITRE ATT&CK", "CEL", "OIDC", "IP", "ID", "SLA", "MTTA", "MTTR", "p50", "p90", "p95", "TLP", "PAP", "IOC", "STIX", "MFA"]);
const hasWords = (s) => /\p{L}{2,}/u.test(s);
const allowed = (s) => !hasWords(s) || ALLOW.has(s.trim());

const text = readFileSync(file, "utf8");
const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
const localePath = join(root, "src", "locales", "en", `${ns}.json`);
const locale = existsSync(localePath) ? JSON.parse(readFileSync(localePath, "utf8")) : {};
const bucket = (locale[prefix] ??= {});
const edits = [];
const needHook = new Set();
let needI18n = false;

// Refuse files where `t` already names something else.
let conflict = false;
const scan = (n) => {
  if ((ts.isVariableDeclaration(n) || ts.isParameter(n)) && ts.isIdentifier(n.name) && n.name.text === "t") conflict = true;
  if (ts.isBindingElement(n) && n.name.getText(sf) === "t" && !/useTranslation/.test(n.parent.parent.getText(sf))) conflict = true;
  ts.forEachChild(n, scan);
};
scan(sf);
if (conflict) console.error(`warning: ${file} declares its own t; check the result`);

function slug(s) {
  const words = s
    .replace(/\{\{\w+\}\}/g, " ")
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .slice(0, 5);
  if (words.length === 0) return "text";
  return words.map((w, i) => (i === 0 ? w.toLowerCase() : w[0].toUpperCase() + w.slice(1).toLowerCase())).join("");
}

function keyFor(s) {
  const base = slug(s);
  let k = base;
  for (let i = 2; bucket[k] !== undefined && bucket[k] !== s; i++) k = `${base}${i}`;
  bucket[k] = s;
  return `${ns}:${prefix}.${k}`;
}

function fnName(fn) {
  if (ts.isFunctionDeclaration(fn) && fn.name) return fn.name.text;
  if ((ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) && fn.name) return fn.name.text;
  let p = fn.parent;
  if (p && ts.isCallExpression(p)) p = p.parent; // forwardRef(function …) / memo(…)
  if (p && ts.isVariableDeclaration(p) && ts.isIdentifier(p.name)) return p.name.text;
  return "";
}

/** tFor returns the t expression usable at node (and records the hook or import). */
function tFor(node) {
  for (let p = node.parent; p; p = p.parent) {
    if (ts.isFunctionLike(p) && /^[A-Z]/.test(fnName(p)) && p.body) {
      needHook.add(p);
      return "t";
    }
  }
  needI18n = true;
  return "i18n.t";
}

function jsxLineText(s, first, last) {
  const lines = s.split(/\r\n|\n|\r/);
  if (lines.length === 1) return s;
  const out = [];
  lines.forEach((line, i) => {
    let l = line;
    if (i > 0) l = l.trimStart();
    if (i < lines.length - 1) l = l.trimEnd();
    if (l) out.push(l);
  });
  void first;
  void last;
  return out.join(" ");
}

function placeholderName(expr, used) {
  let base;
  if (ts.isIdentifier(expr)) base = expr.text;
  else if (ts.isPropertyAccessExpression(expr) || ts.isNonNullExpression(expr)) {
    base = expr
      .getText(sf)
      .split(/[?.!]+/)
      .filter(Boolean)
      .map((w, i) => (i === 0 ? w : w[0].toUpperCase() + w.slice(1)))
      .join("");
    if (!/^\w+$/.test(base)) base = "value";
  } else base = "value";
  let n = base;
  for (let i = 2; used.has(n); i++) n = `${base}${i}`;
  used.add(n);
  return n;
}

const containsJsx = (n) => {
  let found = false;
  const v = (x) => {
    if (ts.isJsxElement(x) || ts.isJsxSelfClosingElement(x) || ts.isJsxFragment(x)) found = true;
    else ts.forEachChild(x, v);
  };
  v(n);
  return found;
};

/** template turns a template literal into [text with {{vars}}, vars object source]. */
function template(expr) {
  const used = new Set();
  let s = expr.head.text;
  const vars = [];
  for (const span of expr.templateSpans) {
    const name = placeholderName(span.expression, used);
    vars.push(`${name}: ${span.expression.getText(sf)}`);
    s += `{{${name}}}` + span.literal.text;
  }
  return [s, `{ ${vars.join(", ")} }`];
}

/** literals replaces the language literals inside an expression with t() calls. */
function literals(expr) {
  if (!expr) return;
  if (ts.isStringLiteral(expr) || ts.isNoSubstitutionTemplateLiteral(expr)) {
    if (!allowed(expr.text)) edits.push({ start: expr.getStart(sf), end: expr.end, text: `${tFor(expr)}(${JSON.stringify(keyFor(expr.text))})` });
    return;
  }
  if (ts.isTemplateExpression(expr)) {
    const [s, vars] = template(expr);
    if (!allowed(s.replace(/\{\{\w+\}\}/g, ""))) edits.push({ start: expr.getStart(sf), end: expr.end, text: `${tFor(expr)}(${JSON.stringify(keyFor(s))}, ${vars})` });
    return;
  }
  if (ts.isParenthesizedExpression(expr)) return literals(expr.expression);
  if (ts.isConditionalExpression(expr)) {
    literals(expr.whenTrue);
    literals(expr.whenFalse);
    return;
  }
  if (ts.isBinaryExpression(expr)) {
    const op = expr.operatorToken.kind;
    if (op === ts.SyntaxKind.AmpersandAmpersandToken) literals(expr.right);
    else if (op === ts.SyntaxKind.BarBarToken || op === ts.SyntaxKind.QuestionQuestionToken) {
      literals(expr.left);
      literals(expr.right);
    }
  }
}

function children(node) {
  const kids = node.children;
  const meaningful = kids.filter((c) => !(ts.isJsxText(c) && c.text.trim() === "" && /\n/.test(c.text)) && !(ts.isJsxExpression(c) && !c.expression));
  const hasText = meaningful.some((c) => ts.isJsxText(c) && !allowed(c.text));
  const mergeable =
    hasText &&
    meaningful.length > 1 &&
    meaningful.every((c) => ts.isJsxText(c) || (ts.isJsxExpression(c) && c.expression && !containsJsx(c.expression)));
  if (mergeable) {
    const used = new Set();
    const vars = [];
    let s = "";
    meaningful.forEach((c, i) => {
      if (ts.isJsxText(c)) s += jsxLineText(c.text, i === 0, i === meaningful.length - 1);
      else if (ts.isStringLiteral(c.expression)) s += c.expression.text;
      else {
        const name = placeholderName(c.expression, used);
        vars.push(`${name}: ${c.expression.getText(sf)}`);
        s += `{{${name}}}`;
      }
    });
    const lead = s.match(/^\s*/)[0];
    const trail = s.match(/\s*$/)[0];
    s = s.trim();
    const first = meaningful[0];
    const last = meaningful[meaningful.length - 1];
    const call = `${tFor(node)}(${JSON.stringify(keyFor(s))}${vars.length ? `, { ${vars.join(", ")} }` : ""})`;
    const rawLead = ts.isJsxText(first) ? first.text.match(/^\s*/)[0] : "";
    const rawTrail = ts.isJsxText(last) ? last.text.match(/\s*$/)[0] : "";
    const start = ts.isJsxText(first) ? first.pos : first.getStart(sf);
    const pre = /\n/.test(rawLead) ? rawLead : lead ? '{" "}' : "";
    const post = /\n/.test(rawTrail) ? rawTrail : trail ? '{" "}' : "";
    edits.push({ start, end: last.end, text: `${pre}{${call}}${post}` });
    return true;
  }
  return false;
}

function visit(node) {
  if ((ts.isJsxElement(node) || ts.isJsxFragment(node)) && children(node)) {
    // attributes of the element itself still need a look
    if (ts.isJsxElement(node)) ts.forEachChild(node.openingElement, visit);
    return;
  }
  if (ts.isJsxText(node)) {
    if (!allowed(node.text)) {
      const raw = node.text;
      const lead = raw.match(/^\s*/)[0];
      const trail = raw.match(/\s*$/)[0];
      const s = jsxLineText(raw, true, true).trim();
      const keepLead = lead && !/\n/.test(lead);
      const keepTrail = trail && !/\n/.test(trail);
      edits.push({ start: node.pos, end: node.end, text: `${keepLead ? '{" "}' : lead}{${tFor(node)}(${JSON.stringify(keyFor(s))})}${keepTrail ? '{" "}' : trail}` });
    }
    return;
  }
  if (ts.isJsxExpression(node) && node.parent && (ts.isJsxElement(node.parent) || ts.isJsxFragment(node.parent))) {
    literals(node.expression);
    if (node.expression) ts.forEachChild(node.expression, visitInner);
    return;
  }
  if (ts.isJsxAttribute(node)) {
    const name = node.name.getText(sf);
    const init = node.initializer;
    if (ATTRS.has(name) && init) {
      if (ts.isStringLiteral(init)) {
        if (!allowed(init.text)) edits.push({ start: init.getStart(sf), end: init.end, text: `{${tFor(init)}(${JSON.stringify(keyFor(init.text))})}` });
      } else if (ts.isJsxExpression(init)) literals(init.expression);
    }
    if (init && ts.isJsxExpression(init) && init.expression) ts.forEachChild(init.expression, visitInner);
    return;
  }
  ts.forEachChild(node, visit);
}
// Inside expressions: only nested JSX is of interest.
function visitInner(node) {
  if (ts.isJsxElement(node) || ts.isJsxFragment(node) || ts.isJsxSelfClosingElement(node)) return visit(node);
  ts.forEachChild(node, visitInner);
}
visit(sf);

for (const fn of needHook) {
  const body = fn.body;
  const hook = "const { t } = useTranslation();";
  if (ts.isBlock(body)) {
    if (/const \{ t \} = useTranslation\(/.test(body.getText(sf))) continue;
    edits.push({ start: body.getStart(sf) + 1, end: body.getStart(sf) + 1, text: `\n  ${hook}` });
  } else {
    edits.push({ start: body.getStart(sf), end: body.getStart(sf), text: `{\n  ${hook}\n  return ` });
    edits.push({ start: body.end, end: body.end, text: `;\n}` });
  }
}

edits.sort((a, b) => b.start - a.start || b.end - a.end);
let out = text;
let lastStart = Infinity;
for (const e of edits) {
  if (e.end > lastStart) {
    console.error(`overlap at ${e.start}, skipped: ${e.text}`);
    continue;
  }
  out = out.slice(0, e.start) + e.text + out.slice(e.end);
  lastStart = e.start;
}
const imports = [];
if (needHook.size && !/from "react-i18next"/.test(out)) imports.push(`import { useTranslation } from "react-i18next";`);
else if (needHook.size && !/useTranslation/.test(out.split("\n").filter((l) => l.startsWith("import")).join("\n"))) {
  out = out.replace(/import \{([^}]*)\} from "react-i18next";/, (m, names) => `import {${names.trimEnd()}, useTranslation } from "react-i18next";`);
}
if (needI18n && !/import i18n from/.test(out)) {
  let rel = relative(dirname(file), join(root, "src", "i18n")).replace(/\\/g, "/");
  if (!rel.startsWith(".")) rel = `./${rel}`;
  imports.push(`import i18n from "${rel}";`);
}
if (imports.length) {
  const m = out.match(/^(?:\/\/.*\n)*/);
  const at = m ? m[0].length : 0;
  out = out.slice(0, at) + imports.join("\n") + "\n" + out.slice(at);
}
writeFileSync(file, out);
writeFileSync(localePath, JSON.stringify(locale, null, 2) + "\n");
console.log(`${file}: ${edits.length} edits, ${Object.keys(bucket).length} keys in ${ns}:${prefix}`);
