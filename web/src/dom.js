// DOM helpers. Text from the bot or the user only ever becomes text nodes
// (textContent / createTextNode), never HTML.

/**
 * h("button", {class: "cw-x", type: "button", onclick: fn}, "Send")
 * Attributes: `class`, `on*` listeners, `hidden` (boolean), anything else via
 * setAttribute. Children: nodes, strings (as text), null/false (skipped), arrays.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const k in attrs || {}) {
    const v = attrs[k];
    if (v == null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "hidden") el.hidden = true;
    else el.setAttribute(k, v === true ? "" : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c == null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(typeof c === "string" ? document.createTextNode(c) : c);
  }
}

/** Text meant for screen readers only. */
export const sr = (text) => h("span", { class: "cw-sr" }, text);

// A markdown link [title](https://…) or a bare http(s) URL.
const LINK = /\[([^\]\n]{1,300})\]\((https?:\/\/[^\s)]+)\)|https?:\/\/[^\s<>"]+/gi;

function safeUrl(raw) {
  try {
    const url = new URL(raw);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch (e) {
    return null;
  }
}

/** A bare URL without the punctuation that ends the sentence around it. */
function trimUrl(raw) {
  let url = raw.replace(/[.,;:!?'*]+$/, "");
  // "(see https://x.org/a)": the closing parenthesis is the sentence's.
  while (url.endsWith(")") && url.split("(").length < url.split(")").length) {
    url = url.slice(0, -1).replace(/[.,;:!?'*]+$/, "");
  }
  return url;
}

/**
 * The text as nodes: text nodes (line breaks kept by `white-space: pre-wrap`) and
 * links that open in a new tab. Only http and https URLs become links. `describedBy`:
 * the id of the "(opens in a new tab)" text, so the message's own text stays as sent.
 */
export function richText(text, describedBy) {
  const out = [];
  const s = String(text == null ? "" : text);
  let last = 0;
  let m;
  LINK.lastIndex = 0;
  while ((m = LINK.exec(s))) {
    const raw = m[2] || trimUrl(m[0]);
    const end = m[2] ? LINK.lastIndex : m.index + raw.length;
    const href = safeUrl(raw);
    if (!href) continue;
    if (m.index > last) out.push(s.slice(last, m.index));
    out.push(
      h(
        "a",
        {
          href,
          target: "_blank",
          rel: "noopener noreferrer",
          class: "cw-link",
          "aria-describedby": describedBy,
        },
        m[1] || raw
      )
    );
    last = end;
    LINK.lastIndex = end;
  }
  if (last < s.length) out.push(s.slice(last));
  return out;
}
