// The web links in a message body, and the body as text and links for the page. The rules are
// chat_shared::links (shared/src/links.rs), character for character; both are tested against
// shared/src/links_cases.json. Links are built as elements: nothing a user wrote is ever
// parsed as HTML, and only http:// and https:// become links.
"use strict";

(() => {
  const SCHEME = /https?:\/\//iy; // no u flag: "ſ" must not match "s"
  const ALPHANUMERIC = /[\p{Alphabetic}\p{N}]/u;
  const ENDS_LINK = /[\p{White_Space}<>"]/u;
  const UNSAFE = /[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
  const SENTENCE_END = new Set([".", ",", ":", ";", "!", "?", "'"]);
  const PARTNER = { ")": "(", "]": "[", "}": "{" };

  const count = (text, ch) => text.split(ch).length - 1;

  /** Where the next http:// or https:// starts at or after `from`, not glued to a word. */
  function nextScheme(text, from) {
    const chars = [...text.slice(from)];
    let previous = [...text.slice(0, from)].pop();
    let at = from;
    for (const ch of chars) {
      SCHEME.lastIndex = at;
      if (!(previous && ALPHANUMERIC.test(previous)) && SCHEME.test(text)) return at;
      previous = ch;
      at += ch.length;
    }
    return -1;
  }

  function trimEnd(link) {
    for (;;) {
      const last = [...link].pop();
      if (last === undefined) return link;
      const open = PARTNER[last];
      const drop = SENTENCE_END.has(last) || (open && count(link, open) < count(link, last));
      if (!drop) return link;
      link = link.slice(0, link.length - last.length);
    }
  }

  function hasHost(link) {
    const rest = link.slice(link.indexOf("://") + 3);
    return /^[A-Za-z0-9[]/.test(rest);
  }

  /** [start, end) UTF-16 ranges of the links in `text`, in order. */
  function find(text) {
    const found = [];
    let from = 0;
    for (;;) {
      const start = nextScheme(text, from);
      if (start < 0) return found;
      let end = start;
      for (const ch of text.slice(start)) {
        if (ENDS_LINK.test(ch)) break;
        end += ch.length;
      }
      const candidate = text.slice(start, end);
      from = Math.max(end, start + 1);
      if (UNSAFE.test(candidate)) continue;
      const link = trimEnd(candidate);
      if (hasHost(link)) found.push([start, start + link.length]);
    }
  }

  /** `text` cut into ["text", s] and ["link", url] pieces, as chat_shared::links::parts. */
  function parts(text) {
    const out = [];
    let at = 0;
    for (const [start, end] of find(text)) {
      if (start > at) out.push(["text", text.slice(at, start)]);
      out.push(["link", text.slice(start, end)]);
      at = end;
    }
    if (at < text.length) out.push(["text", text.slice(at)]);
    return out;
  }

  /** The body as DOM nodes: text nodes, and links that open in a new tab without telling
   * the page they leave (noopener, noreferrer) nor vouching for it (nofollow). */
  function nodes(text) {
    return parts(text).map(([kind, value]) => {
      if (kind === "text") return document.createTextNode(value);
      const a = document.createElement("a");
      a.href = value;
      a.rel = "noopener noreferrer nofollow";
      a.target = "_blank";
      a.textContent = value;
      return a;
    });
  }

  window.chat.links = Object.freeze({ find, parts, nodes });
})();
