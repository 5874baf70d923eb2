// A message body as the server takes it: what the user typed or pasted made ready to send,
// and its length counted the way the server counts it, so the page can say "too long" before
// sending. Mirrors chat_shared::limits (prepare_body, body_chars, BODY_MAX_CHARS); a test in
// server/src/http/assets.rs checks MAX_CHARS against it.
"use strict";

window.chat.body = Object.freeze({
  // limits::BODY_MAX_CHARS
  MAX_CHARS: 4000,

  /** limits::prepare_body: carriage returns dropped, tabs as four spaces. */
  prepare(typed) {
    return typed.replace(/\r/g, "").replace(/\t/g, "    ");
  },

  /** limits::body_chars: characters (code points, as Rust's chars()) after trimming the
   * white space Rust's str::trim trims (JS's trim() also trims U+FEFF, which Rust keeps). */
  chars(prepared) {
    return [...prepared.replace(/^\p{White_Space}+|\p{White_Space}+$/gu, "")].length;
  },
});
