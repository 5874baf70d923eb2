// Helpers shared by the pages' scripts. Everything users typed is put in the page with
// textContent, never as HTML.
"use strict";

window.chat = {
  /** A WebSocket URL on this host. */
  wsUrl(path) {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    return `${scheme}//${location.host}${path}`;
  },

  /** An element with optional class and text. */
  el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  },

  /** A time as the reader's local date and time. */
  localTime(iso, withDate) {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return iso;
    const options = withDate
      ? { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" }
      : { hour: "2-digit", minute: "2-digit" };
    return date.toLocaleString(document.documentElement.lang || undefined, options);
  },

  /** Reconnect delays: 0.5 s doubling to 10 s, with jitter so clients do not stampede. */
  backoff(attempt) {
    const base = Math.min(10000, 500 * 2 ** attempt);
    return base / 2 + Math.random() * (base / 2);
  },
};
