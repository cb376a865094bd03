// Our own Markdown subset, rendered straight to DOM nodes: headings, lists, tables,
// quotes, rules, code blocks (highlighted), links, inline code and emphasis.
// Raw HTML in the text stays text; only http(s) and mailto links become links.

import { h } from "./dom.js";
import { highlight } from "./highlight.js";

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)[^`]*$/;
const HEADING = /^ {0,3}(#{1,6})(?:\s+(.*?))?\s*#*\s*$/;
const RULE = /^ {0,3}([-*_])(?:\s*\1){2,}\s*$/;
const QUOTE = /^ {0,3}>\s?/;
const ITEM = /^(\s*)([-*+]|\d{1,9}[.)])(?:\s+(.*))?$/;
const TABLE_SEP = /^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$/;

const indentOf = (s) => s.replace(/\t/g, "    ").match(/^ */)[0].length;
const blank = (s) => s.trim() === "";

export function renderMarkdown(text) {
  const frag = document.createDocumentFragment();
  renderBlocks(String(text).replace(/\r\n?/g, "\n").split("\n"), frag);
  return frag;
}

function isTableStart(lines, i) {
  return lines[i].includes("|") && i + 1 < lines.length && TABLE_SEP.test(lines[i + 1]) && lines[i + 1].includes("-");
}

function startsBlock(lines, i) {
  const line = lines[i];
  return FENCE.test(line) || HEADING.test(line) || RULE.test(line) || QUOTE.test(line) || ITEM.test(line) || isTableStart(lines, i);
}

function renderBlocks(lines, out) {
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    let m;
    if (blank(line)) {
      i += 1;
    } else if ((m = FENCE.exec(line))) {
      i = codeBlock(lines, i, m, out);
    } else if ((m = HEADING.exec(line))) {
      out.append(h(`h${m[1].length}`, {}, inline(m[2] || "")));
      i += 1;
    } else if (RULE.test(line)) {
      out.append(h("hr"));
      i += 1;
    } else if (QUOTE.test(line)) {
      const inner = [];
      while (i < lines.length && !blank(lines[i]) && (QUOTE.test(lines[i]) || inner.length)) {
        if (!QUOTE.test(lines[i]) && startsBlock(lines, i)) break;
        inner.push(lines[i].replace(QUOTE, ""));
        i += 1;
      }
      const quote = h("blockquote");
      renderBlocks(inner, quote);
      out.append(quote);
    } else if (isTableStart(lines, i)) {
      i = table(lines, i, out);
    } else if ((m = ITEM.exec(line))) {
      i = list(lines, i, out);
    } else {
      const para = [];
      while (i < lines.length && !blank(lines[i]) && (para.length === 0 || !startsBlock(lines, i))) {
        para.push(lines[i].trim());
        i += 1;
      }
      out.append(h("p", {}, inline(para.join("\n"))));
    }
  }
}

function codeBlock(lines, i, m, out) {
  const fence = m[1];
  const lang = m[2] || "";
  const body = [];
  let j = i + 1;
  const closing = new RegExp(`^ {0,3}${fence[0] === "`" ? "`" : "~"}{${fence.length},}\\s*$`);
  while (j < lines.length && !closing.test(lines[j])) {
    body.push(lines[j]);
    j += 1;
  }
  const text = body.join("\n");
  const code = h("code", lang ? { class: `lang-${lang.replace(/[^\w-]/g, "")}` } : {});
  highlight(code, text, lang);
  const copy = h("button", { type: "button", class: "copy-code", text: "Copy code", "aria-label": "Copy code" });
  copy.addEventListener("click", () => {
    copyText(text).then((ok) => {
      copy.textContent = ok ? "Copied" : "Copy failed";
      setTimeout(() => (copy.textContent = "Copy code"), 1500);
    });
  });
  out.append(
    h("div", { class: "code-block" },
      h("div", { class: "code-head" }, h("span", { class: "code-lang", text: lang || "text" }), copy),
      h("pre", { tabindex: "0" }, code)),
  );
  return j + 1;
}

function splitRow(line) {
  let s = line.trim();
  if (s.startsWith("|")) s = s.slice(1);
  if (s.endsWith("|") && !s.endsWith("\\|")) s = s.slice(0, -1);
  const cells = [];
  let cur = "";
  for (let k = 0; k < s.length; k += 1) {
    if (s[k] === "\\" && s[k + 1] === "|") {
      cur += "|";
      k += 1;
    } else if (s[k] === "|") {
      cells.push(cur.trim());
      cur = "";
    } else cur += s[k];
  }
  cells.push(cur.trim());
  return cells;
}

function table(lines, i, out) {
  const head = splitRow(lines[i]);
  const aligns = splitRow(lines[i + 1]).map((c) =>
    c.startsWith(":") && c.endsWith(":") ? "center" : c.endsWith(":") ? "right" : c.startsWith(":") ? "left" : null);
  const cell = (tag, text, k) => {
    const el = h(tag, {}, inline(text || ""));
    if (aligns[k]) el.style.textAlign = aligns[k];
    return el;
  };
  const tbody = h("tbody");
  let j = i + 2;
  while (j < lines.length && !blank(lines[j]) && lines[j].includes("|")) {
    const row = splitRow(lines[j]);
    tbody.append(h("tr", {}, head.map((_, k) => cell("td", row[k], k))));
    j += 1;
  }
  out.append(h("div", { class: "table-wrap" },
    h("table", {}, h("thead", {}, h("tr", {}, head.map((t, k) => cell("th", t, k)))), tbody)));
  return j;
}

function list(lines, i, out) {
  const first = ITEM.exec(lines[i]);
  const base = indentOf(first[1]);
  const ordered = /\d/.test(first[2]);
  const el = h(ordered ? "ol" : "ul");
  if (ordered && Number.parseInt(first[2], 10) !== 1) el.start = Number.parseInt(first[2], 10);
  while (i < lines.length) {
    const m = ITEM.exec(lines[i]);
    if (!m || indentOf(m[1]) !== base || /\d/.test(m[2]) !== ordered) break;
    const contentIndent = indentOf(m[1]) + m[2].length + 1;
    const body = [m[3] || ""];
    i += 1;
    let loose = false;
    while (i < lines.length) {
      const line = lines[i];
      if (blank(line)) {
        const next = lines.slice(i + 1).find((l) => !blank(l));
        if (next !== undefined && indentOf(next) > base && !(ITEM.test(next) && indentOf(next) <= base)) {
          body.push("");
          loose = true;
          i += 1;
          continue;
        }
        break;
      }
      const ind = indentOf(line);
      if (ind > base) {
        body.push(line.replace(/\t/g, "    ").slice(Math.min(ind, contentIndent)));
      } else if (!startsBlock(lines, i) && !blank(body[body.length - 1])) {
        body.push(line.trim());
      } else break;
      i += 1;
    }
    el.append(listItem(body, loose));
  }
  out.append(el);
  return i;
}

function listItem(body, loose) {
  const li = h("li");
  let text = body;
  const task = /^\[([ xX])\]\s+/.exec(text[0]);
  if (task) {
    li.append(h("span", { class: "task", "aria-label": task[1] === " " ? "to do" : "done", text: task[1] === " " ? "☐ " : "☑ " }));
    text = [text[0].slice(task[0].length), ...text.slice(1)];
  }
  const frag = document.createDocumentFragment();
  renderBlocks(text, frag);
  // A tight item holds its text directly rather than a paragraph.
  if (!loose && frag.firstChild && frag.firstChild.nodeName === "P") {
    const p = frag.firstChild;
    frag.removeChild(p);
    li.append(...p.childNodes);
  }
  li.append(frag);
  return li;
}

// Only absolute http(s) and mailto addresses become links.
export function safeUrl(raw) {
  let url;
  try {
    url = new URL(String(raw).trim());
  } catch {
    return null;
  }
  return ["http:", "https:", "mailto:"].includes(url.protocol) ? url.href : null;
}

function link(text, href) {
  const safe = safeUrl(href);
  if (!safe) return h("span", { class: "unsafe-link" }, inline(text), ` (${href})`);
  return h("a", { href: safe, rel: "noopener noreferrer", target: "_blank" }, inline(text));
}

const INLINE = [
  ["code", /(`+)([\s\S]*?[^`])\1(?!`)/],
  ["image", /!\[([^\]\n]*)\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"\n]*")?\s*\)/],
  ["link", /\[((?:[^\][\n]|\[[^\]\n]*\])*)\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"\n]*")?\s*\)/],
  ["auto", /<((?:https?:\/\/|mailto:)[^\s<>]+)>/],
  ["url", /\bhttps?:\/\/[^\s<>()[\]]*[^\s<>()[\].,;:!?'"*_~]/],
  ["strong", /\*\*(?=\S)([\s\S]*?\S)\*\*|(?<![\w])__(?=\S)([\s\S]*?\S)__(?![\w])/],
  ["del", /~~(?=\S)([\s\S]*?\S)~~/],
  ["em", /\*(?=[^\s*])([\s\S]*?[^\s*])\*|(?<![\w])_(?=[^\s_])([\s\S]*?[^\s_])_(?![\w])/],
  ["br", / {2,}\n|\\\n|\n/],
];

function inline(text) {
  const nodes = [];
  let rest = text;
  while (rest) {
    let best = null;
    for (const [kind, re] of INLINE) {
      const m = re.exec(rest);
      if (m && (best === null || m.index < best.m.index)) best = { kind, m };
    }
    if (!best) {
      nodes.push(document.createTextNode(rest));
      break;
    }
    const { kind, m } = best;
    if (m.index > 0) nodes.push(document.createTextNode(rest.slice(0, m.index)));
    nodes.push(inlineNode(kind, m));
    rest = rest.slice(m.index + m[0].length);
  }
  return nodes;
}

function inlineNode(kind, m) {
  switch (kind) {
    case "code":
      return h("code", { text: m[2].replace(/^ (.+) $/, "$1") });
    case "image": {
      const safe = safeUrl(m[2]);
      const label = `image: ${m[1] || m[2]}`;
      // Images are not fetched (the page loads nothing from other hosts): a link.
      return safe ? h("a", { href: safe, rel: "noopener noreferrer", target: "_blank", text: label }) : h("span", { text: `[${label}]` });
    }
    case "link":
      return link(m[1], m[2]);
    case "auto":
    case "url":
      return link(m[1] || m[0], m[1] || m[0]);
    case "strong":
      return h("strong", {}, inline(m[1] ?? m[2]));
    case "del":
      return h("del", {}, inline(m[1]));
    case "em":
      return h("em", {}, inline(m[1] ?? m[2]));
    default:
      return h("br");
  }
}

export async function copyText(text) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // Falls through to the selection copy below.
  }
  const area = h("textarea", { class: "offscreen", "aria-hidden": "true", value: text });
  document.body.append(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand("copy");
  } catch {
    ok = false;
  }
  area.remove();
  return ok;
}
