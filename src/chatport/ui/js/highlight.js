// A small syntax highlighter for code blocks: comments, strings, numbers,
// keywords and called names, per language family. Output is spans of text.

import { h } from "./dom.js";

const C_KW = "if else for while do switch case default break continue return goto struct union enum typedef sizeof static const void int char long short float double unsigned signed extern volatile inline true false null new delete class public private protected this try catch throw finally";
const FAMILIES = {
  js: {
    kw: "var let const function return if else for while do switch case default break continue new delete typeof instanceof in of class extends super this import export from as async await yield try catch finally throw true false null undefined void static get set interface type enum implements readonly private public protected declare namespace keyof",
    line: "//", block: ["/*", "*/"], strings: ["\"", "'", "`"],
  },
  python: {
    kw: "def class return if elif else for while in not and or is None True False import from as with try except finally raise pass break continue lambda yield global nonlocal async await assert del match case self print",
    line: "#", triple: true, strings: ["\"", "'"],
  },
  shell: {
    kw: "if then else elif fi for while until do done case esac function in return export local set unset echo cd exit source alias sudo",
    line: "#", strings: ["\"", "'"],
  },
  go: {
    kw: "package import func return if else for range switch case default break continue go defer chan map struct interface type var const select fallthrough nil true false make new len append string int error byte rune bool",
    line: "//", block: ["/*", "*/"], strings: ["\"", "'", "`"],
  },
  rust: {
    kw: "fn let mut const static struct enum impl trait pub use mod crate self Self super match if else for while loop in return break continue as where ref move async await dyn unsafe extern type true false Some None Ok Err",
    line: "//", block: ["/*", "*/"], strings: ["\""],
  },
  c: { kw: `${C_KW} include define ifdef ifndef endif namespace template typename using virtual override final auto bool string var val fun package import interface extends implements`, line: "//", block: ["/*", "*/"], strings: ["\"", "'"] },
  sql: {
    kw: "select from where and or not insert into values update set delete create table index drop alter add join left right inner outer on group by order having limit offset as distinct null is in like between case when then else end primary key references unique default begin commit rollback union all exists returning with",
    line: "--", block: ["/*", "*/"], strings: ["'", "\""], caseless: true,
  },
  css: { kw: "important media import from to and not only screen", line: null, block: ["/*", "*/"], strings: ["\"", "'"] },
  html: { kw: "", line: null, block: ["<!--", "-->"], strings: ["\"", "'"], tags: true },
  yaml: { kw: "true false null yes no", line: "#", strings: ["\"", "'"] },
  ruby: { kw: "def end class module if elsif else unless while until for in do return yield self nil true false require begin rescue ensure then puts attr_accessor", line: "#", strings: ["\"", "'"] },
};
const ALIASES = {
  javascript: "js", ts: "js", typescript: "js", jsx: "js", tsx: "js", json: "js", mjs: "js",
  py: "python", python3: "python", sh: "shell", bash: "shell", zsh: "shell", console: "shell", shell: "shell",
  golang: "go", rs: "rust", cpp: "c", "c++": "c", h: "c", java: "c", cs: "c", csharp: "c", kotlin: "c", kt: "c", swift: "c", php: "c", scala: "c",
  postgres: "sql", postgresql: "sql", sqlite: "sql", scss: "css", xml: "html", svg: "html", vue: "html",
  yml: "yaml", toml: "yaml", ini: "yaml", rb: "ruby",
};

const esc = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const compiled = new Map();

function lexer(name) {
  if (compiled.has(name)) return compiled.get(name);
  const f = FAMILIES[name];
  const parts = [];
  if (f.block) parts.push(`(?<com>${esc(f.block[0])}[\\s\\S]*?(?:${esc(f.block[1])}|$))`);
  if (f.triple) parts.push(`(?<str3>"""[\\s\\S]*?(?:"""|$)|'''[\\s\\S]*?(?:'''|$))`);
  if (f.line) parts.push(`(?<line>${esc(f.line)}[^\\n]*)`);
  const strs = f.strings.map((q) => (q === "`" ? "`(?:[^`\\\\]|\\\\[\\s\\S])*`?" : `${q}(?:[^${q}\\\\\\n]|\\\\.)*${q}?`));
  parts.push(`(?<str>${strs.join("|")})`);
  if (f.tags) parts.push("(?<tag></?[A-Za-z][\\w:-]*|/?>)");
  parts.push("(?<num>\\b(?:0x[0-9a-fA-F]+|\\d[\\d_]*(?:\\.\\d+)?(?:[eE][+-]?\\d+)?)\\b)");
  parts.push("(?<word>[A-Za-z_$][\\w$]*)");
  const kws = new Set(f.kw.split(" ").filter(Boolean).map((w) => (f.caseless ? w.toLowerCase() : w)));
  const lex = { re: new RegExp(parts.join("|"), "g"), kws, caseless: !!f.caseless };
  compiled.set(name, lex);
  return lex;
}

export function familyOf(lang) {
  const key = (lang || "").toLowerCase();
  return FAMILIES[key] ? key : ALIASES[key] || null;
}

// Fills `code` (a <code> element) with highlighted spans of `text`.
export function highlight(code, text, lang) {
  const family = familyOf(lang);
  if (!family) {
    code.textContent = text;
    return;
  }
  const { re, kws, caseless } = lexer(family);
  re.lastIndex = 0;
  let at = 0;
  let m;
  const nodes = [];
  while ((m = re.exec(text)) !== null) {
    if (m[0] === "") {
      re.lastIndex += 1;
      continue;
    }
    if (m.index > at) nodes.push(document.createTextNode(text.slice(at, m.index)));
    const g = m.groups;
    let cls = null;
    if (g.com !== undefined || g.line !== undefined) cls = "tok-com";
    else if (g.str !== undefined || g.str3 !== undefined) cls = "tok-str";
    else if (g.num !== undefined) cls = "tok-num";
    else if (g.tag !== undefined) cls = "tok-kw";
    else if (g.word !== undefined) {
      if (kws.has(caseless ? m[0].toLowerCase() : m[0])) cls = "tok-kw";
      else if (text[re.lastIndex] === "(") cls = "tok-fn";
    }
    nodes.push(cls ? h("span", { class: cls, text: m[0] }) : document.createTextNode(m[0]));
    at = re.lastIndex;
  }
  if (at < text.length) nodes.push(document.createTextNode(text.slice(at)));
  code.replaceChildren(...nodes);
}
