// What a new line does while the tab is hidden, if the room's notification level says it
// notifies (notify_level.js; the rule is chat_shared::NotifyLevel::notifies): the title counts
// them, "(3) title", until the tab is seen again; and, if the reader turned on "Notify me", a
// desktop notification. The level is the per-room choice, kept on the server for every device;
// "Notify me" is this browser's permission switch. Permission is asked only when that toggle is
// clicked, never on load; the choice is kept in localStorage.
"use strict";

(() => {
  const STORED = "chat.notifyMentions";

  class MentionAlerts {
    /**
     * @param toggle the "Notify me" button (#notify-toggle)
     * @param texts notifyOn, notifyOff (the toggle's labels), blocked
     * @param level the room's notification level: "all", "mentions" or "none"
     */
    constructor(toggle, texts, level) {
      this.toggle = toggle;
      this.texts = texts;
      this.level = level;
      this.title = document.title;
      this.unseen = 0;
      document.addEventListener("visibilitychange", () => {
        if (!this.hidden()) this.seen();
      });
      if (!("Notification" in window)) {
        toggle.hidden = true;
      } else {
        toggle.addEventListener("click", () => this.switchNotifications());
      }
      this.showToggle();
    }

    hidden() {
      return document.visibilityState === "hidden";
    }

    wanted() {
      return localStorage.getItem(STORED) === "on";
    }

    showToggle() {
      const on = this.wanted() && window.Notification && Notification.permission === "granted";
      this.toggle.textContent = on ? this.texts.notifyOn : this.texts.notifyOff;
      this.toggle.setAttribute("aria-pressed", String(on));
    }

    async switchNotifications() {
      if (this.wanted()) {
        localStorage.setItem(STORED, "off");
      } else {
        const permission = Notification.permission === "granted"
          ? "granted"
          : await Notification.requestPermission();
        localStorage.setItem(STORED, permission === "granted" ? "on" : "off");
        if (permission !== "granted") this.toggle.title = this.texts.blocked;
      }
      this.showToggle();
    }

    /** The room's title, with the count of mentions not seen yet in front. */
    setTitle(title) {
      this.title = title;
      this.render();
    }

    render() {
      document.title = this.unseen ? `(${this.unseen}) ${this.title}` : this.title;
    }

    seen() {
      this.unseen = 0;
      this.render();
    }

    setLevel(level) {
      this.level = level;
    }

    /**
     * Whether a line notifies the reader `me` at the room's level: never their own lines,
     * notices or deleted lines; at "all" every other line, at "mentions" those naming them.
     */
    notifies(m, me, mentionsMe) {
      const fromMe = m.sender.toLowerCase() === me.toLowerCase();
      if (fromMe || m.deleted || ["notice", "join", "leave"].includes(m.kind)) return false;
      if (this.level === "all") return true;
      if (this.level === "mentions") return mentionsMe;
      return false;
    }

    /** A line new to the reader that notifies them (see `notifies`). */
    arrived(m) {
      if (!this.hidden()) return;
      this.unseen += 1;
      this.render();
      if (this.wanted() && window.Notification && Notification.permission === "granted") {
        const note = new Notification(`${m.sender} — ${this.title}`, { body: m.body, tag: `chat-${m.room_id}` });
        note.onclick = () => {
          window.focus();
          note.close();
        };
      }
    }
  }

  window.chat.MentionAlerts = MentionAlerts;
})();
