// How far the reader has read the room (docs/protocol.md "Read markers"): reported to the server
// only for lines the person can actually see (the tab visible, the line in the log's viewport),
// at most every 500 ms; the "New messages" line above the first line from others after the
// marker the page was loaded with, and the button that jumps to it.
"use strict";

(() => {
  const { el } = window.chat;
  const REPORT_EVERY_MS = 500;

  class ReadMarker {
    /**
     * @param log the scrolling box (#chat-log)
     * @param list the list inside it (#messages)
     * @param jump the "Jump to new messages" button
     * @param me the reader's nickname
     * @param texts { newMessages }
     * @param hooks { send(frame): bool, loadOlder(): bool (false when nothing older is
     *   left to load), hasMore(): bool }
     */
    constructor(log, list, jump, me, texts, hooks) {
      this.log = log;
      this.list = list;
      this.jump = jump;
      this.me = me;
      this.texts = texts;
      this.hooks = hooks;
      /** The server's marker, as far as this page knows. */
      this.marker = 0;
      /** The marker the page was loaded with: where the "New messages" line goes. */
      this.dividerAfter = null;
      /** The newest line when the page was loaded: lines after it arrived while reading,
       * and get no divider. */
      this.loadedUpTo = 0;
      /** Ids of the lines in the viewport now. */
      this.visible = new Set();
      this.lastSent = 0;
      this.timer = null;
      /** Loading older pages until the divider's place is reached. */
      this.seeking = false;
      this.observer = new IntersectionObserver((entries) => {
        for (const entry of entries) {
          const id = Number(entry.target.dataset.id);
          if (entry.isIntersecting) this.visible.add(id);
          else this.visible.delete(id);
        }
        this.report();
        this.showJump();
      }, { root: log, threshold: 0.5 });
      // Every stored line the log shows is watched, however it got there (live, history).
      new MutationObserver((changes) => {
        for (const change of changes) {
          for (const node of change.addedNodes) {
            if (node.nodeType === 1 && node.matches("li.message[data-id]")) this.observer.observe(node);
          }
          for (const node of change.removedNodes) {
            if (node.nodeType === 1 && node.dataset.id) this.visible.delete(Number(node.dataset.id));
          }
        }
        this.placeDivider();
      }).observe(list, { childList: true });
      document.addEventListener("visibilitychange", () => this.report());
      log.addEventListener("scroll", () => this.showJump(), { passive: true });
      jump.addEventListener("click", () => this.jumpToNew());
    }

    /** The welcome's marker. The first one also places the "New messages" line. */
    welcomed(readUpTo) {
      if (typeof readUpTo !== "number") return;
      this.moved(readUpTo);
      if (this.dividerAfter === null) {
        this.dividerAfter = readUpTo;
        const lines = this.list.querySelectorAll("li.message[data-id]");
        this.loadedUpTo = lines.length ? Number(lines[lines.length - 1].dataset.id) : 0;
        this.placeDivider();
        this.showJump();
      }
    }

    /** The marker moved (here, or on another device): nothing up to it is sent again. */
    moved(upTo) {
      this.marker = Math.max(this.marker, upTo);
    }

    /** Sends the newest line in view, if the tab is visible and it is past the marker. */
    report() {
      if (document.visibilityState !== "visible" || this.visible.size === 0) return;
      const newest = Math.max(...this.visible);
      if (newest <= this.marker) return;
      const wait = this.lastSent + REPORT_EVERY_MS - Date.now();
      if (wait > 0) {
        if (!this.timer) this.timer = setTimeout(() => { this.timer = null; this.report(); }, wait);
        return;
      }
      if (this.hooks.send({ type: "read", up_to: newest })) {
        this.lastSent = Date.now();
        this.marker = newest;
      }
    }

    /** The first line after the load-time marker that someone else wrote (not a notice). */
    firstUnread() {
      for (const li of this.list.querySelectorAll("li.message[data-id]")) {
        const id = Number(li.dataset.id);
        if (id > this.loadedUpTo) return null;
        if (id <= this.dividerAfter) continue;
        if (li.classList.contains("mine") || li.classList.contains("notice")) continue;
        return li;
      }
      return null;
    }

    /** Whether lines between the marker and the oldest loaded one are not loaded yet. */
    dividerIsOlder() {
      const first = this.list.querySelector("li.message[data-id]");
      return !!first && Number(first.dataset.id) > this.dividerAfter + 1 && this.hooks.hasMore();
    }

    divider() {
      return this.list.querySelector("li.new-messages");
    }

    placeDivider() {
      if (this.dividerAfter === null) return;
      const target = this.firstUnread();
      const existing = this.divider();
      if (!target || this.dividerIsOlder()) {
        if (existing && !target) existing.remove();
        return;
      }
      if (existing) {
        // Already above it (maybe with its day line between): moving it again would be a
        // change this observer sees, and so on for ever.
        let next = existing.nextElementSibling;
        while (next && next.classList.contains("day")) next = next.nextElementSibling;
        if (next === target) return;
        existing.remove();
      }
      const li = el("li", "new-messages", this.texts.newMessages);
      li.id = "new-messages";
      // Above the day line that opens the target's day, if there is one.
      const before = target.previousElementSibling;
      this.list.insertBefore(li, before && before.classList.contains("day") ? before : target);
      if (this.seeking) {
        this.seeking = false;
        li.scrollIntoView({ block: "center" });
      }
    }

    /** The button shows while the line is out of view, or older than what is loaded. */
    showJump() {
      if (this.dividerAfter === null) return;
      const line = this.divider();
      let off = this.dividerIsOlder() && !!this.firstUnread();
      if (line) {
        const box = this.log.getBoundingClientRect();
        const at = line.getBoundingClientRect();
        off = at.bottom < box.top || at.top > box.bottom;
      }
      this.jump.hidden = !off;
    }

    jumpToNew() {
      const line = this.divider();
      if (line && !this.dividerIsOlder()) {
        line.scrollIntoView({ block: "center" });
        this.showJump();
        return;
      }
      // Older than what is loaded: load older pages until it is reached.
      this.seeking = true;
      if (!this.hooks.loadOlder()) this.seeking = false;
    }

    /** An older page arrived: keep loading while the divider's place is still above it. */
    olderLoaded() {
      if (this.seeking && this.dividerIsOlder()) {
        if (!this.hooks.loadOlder()) this.seeking = false;
      } else {
        this.placeDivider();
      }
      this.showJump();
    }
  }

  window.chat.ReadMarker = ReadMarker;
})();
