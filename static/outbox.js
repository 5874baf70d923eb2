// The lines this page sent that the server has not stored yet, and what to do when it refuses
// one (docs/protocol.md "Refused sends"). No DOM here: room.js shows what it says.
//
// One line is on its way at a time, oldest first. A line refused for its rate (or because the
// store failed) waits and goes again with the same nonce, and every line typed after it waits
// behind it, so lines are stored in the order they were typed, each once. A line refused for
// good (too long, empty, invalid) is set aside as failed for the user to edit or discard; the
// lines after it go on.
"use strict";

(() => {
  // After `store_failed` the server names no wait: try again after this long.
  const STORE_RETRY_MS = 1000;
  // `rate_limited` without `retry_after_ms` (a server older than the field).
  const RATE_RETRY_MS = 1000;

  /** A fresh nonce: the server stores a line once however often it is sent with it. */
  function newNonce() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  }

  class Outbox {
    /**
     * @param transmit (nonce, body, action) => boolean: sends a `send` frame; false while
     *   offline.
     * @param onFailed (nonce, message) => void: the server refused that line for good.
     */
    constructor(transmit, onFailed) {
      this.transmit = transmit;
      this.onFailed = onFailed;
      /** nonce -> { body, action, failed }, in the order typed (a Map keeps insertion
       * order). */
      this.lines = new Map();
      /** The nonce of the line sent and not yet answered, if any. */
      this.inFlight = null;
      /** Nothing is sent before this time (ms since the epoch): a refusal's wait. */
      this.holdUntil = 0;
      this.holdTimer = null;
    }

    /** Queues a line (already prepared; `action` for `/me`) and returns its nonce. */
    add(body, action = false) {
      const nonce = newNonce();
      this.lines.set(nonce, { body, action, failed: false });
      this.pump();
      return nonce;
    }

    /** Sends the oldest waiting line, unless one is on its way or a wait is running. */
    pump() {
      if (this.inFlight !== null || Date.now() < this.holdUntil) return;
      for (const [nonce, line] of this.lines) {
        if (line.failed) continue;
        if (this.transmit(nonce, line.body, line.action)) this.inFlight = nonce;
        return;
      }
    }

    /** The server stored the line with this nonce. True if it was one of ours. */
    stored(nonce) {
      if (!nonce || !this.lines.has(nonce)) return false;
      this.lines.delete(nonce);
      if (this.inFlight === nonce) this.inFlight = null;
      this.pump();
      return true;
    }

    /** The server refused the line with this nonce (an `error` frame naming it). True if it
     * was one of ours. */
    refused(nonce, code, message, retryAfterMs) {
      const line = nonce && this.lines.get(nonce);
      if (!line) return false;
      if (this.inFlight === nonce) this.inFlight = null;
      if (code === "rate_limited") {
        this.wait(retryAfterMs || RATE_RETRY_MS);
      } else if (code === "store_failed") {
        this.wait(STORE_RETRY_MS);
      } else {
        line.failed = true;
        this.onFailed(nonce, message);
        this.pump();
      }
      return true;
    }

    /** Holds every line for `ms`, then sends again from the oldest. */
    wait(ms) {
      this.holdUntil = Math.max(this.holdUntil, Date.now() + ms);
      clearTimeout(this.holdTimer);
      this.holdTimer = setTimeout(() => this.pump(), this.holdUntil - Date.now());
    }

    /** The socket closed: the line on its way may or may not have been stored. */
    disconnected() {
      this.inFlight = null;
    }

    /** A new socket is up: send again from the oldest line, with the same nonces. */
    connected() {
      this.inFlight = null;
      this.pump();
    }

    /** Takes a failed line out (to edit or discard it) and returns it as typed. */
    forget(nonce) {
      const line = this.lines.get(nonce);
      this.lines.delete(nonce);
      if (!line) return "";
      return line.action ? `/me ${line.body}` : line.body;
    }
  }

  window.chat.Outbox = Outbox;
})();
