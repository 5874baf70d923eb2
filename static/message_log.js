// The room's message log (#messages): stored messages in id order under a line for each day,
// then the lines not stored yet (grey while on their way, marked when refused for good).
// Everything users wrote goes in as text, never as HTML, its web links as elements
// (links.js); line breaks show through CSS.
"use strict";

(() => {
  const { el, localTime, days, links } = window.chat;

  /** A body: its text, with http(s) links that can be clicked. */
  function bodySpan(text) {
    const span = el("span", "body");
    span.append(...links.nodes(text));
    return span;
  }

  function nickColor(nickname) {
    let hash = 0;
    for (const ch of nickname) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
    return `hsl(${hash % 360}, 55%, 38%)`;
  }

  class MessageLog {
    /**
     * @param log the scrolling box (#chat-log)
     * @param list the list inside it (#messages)
     * @param me the reader's nickname
     * @param texts the page's words: today, yesterday, notSent, edit, discard
     */
    constructor(log, list, me, texts) {
      this.log = log;
      this.list = list;
      this.me = me;
      this.texts = texts;
      this.scheduleRelabel();
    }

    has(id) {
      return !!this.list.querySelector(`li.message[data-id="${Number(id)}"]`);
    }

    nearBottom() {
      return this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 40;
    }

    scrollToBottom() {
      this.log.scrollTop = this.log.scrollHeight;
    }

    messageItem(m) {
      const li = el("li", "message");
      li.dataset.id = String(m.id);
      const sent = new Date(m.sent_at);
      const time = el("time", "time", localTime(m.sent_at, false));
      time.setAttribute("datetime", m.sent_at);
      if (!Number.isNaN(sent.getTime())) {
        li.dataset.day = days.dayKey(sent);
        time.title = days.fullDateTime(sent);
      }
      const nick = el("span", "nick", m.sender);
      nick.style.color = nickColor(m.sender);
      li.append(time, nick, el("span", "sep", " : "), bodySpan(m.body));
      if (m.sender === this.me) li.classList.add("mine");
      return li;
    }

    /** A live or resumed message: after every stored one (ids only grow), before the lines
     * not stored yet. Keeps the view at the bottom if it was there, or if it is ours. */
    add(m) {
      if (this.has(m.id)) return;
      const stick = this.nearBottom();
      this.list.insertBefore(this.messageItem(m), this.list.querySelector("li.unsent"));
      this.syncDays();
      if (stick || m.sender === this.me) this.scrollToBottom();
    }

    /** An older page (oldest first) above everything, keeping what the reader looks at in
     * place. */
    prependOlder(messages) {
      const before = this.log.scrollHeight;
      const first = this.list.firstChild;
      for (const m of messages) {
        if (!this.has(m.id)) this.list.insertBefore(this.messageItem(m), first);
      }
      this.syncDays();
      this.log.scrollTop += this.log.scrollHeight - before;
    }

    /** The oldest stored message's id, where the next older page ends. */
    oldestId() {
      const first = this.list.querySelector("li.message[data-id]");
      return first ? Number(first.dataset.id) : null;
    }

    /** Puts one day line right above the first message of each day, and nowhere else. */
    syncDays() {
      let lastDay = null;
      let line = null; // a day line not yet followed by a message
      for (const node of [...this.list.children]) {
        if (node.classList.contains("day")) {
          if (line) line.remove();
          line = node;
          continue;
        }
        const day = node.dataset.day;
        if (!day) continue; // lines not stored yet belong to no day
        if (day === lastDay) {
          if (line) line.remove();
        } else if (!line || line.dataset.day !== day) {
          if (line) line.remove();
          this.list.insertBefore(this.dayLine(day), node);
        }
        line = null;
        lastDay = day;
      }
      if (line) line.remove();
    }

    dayLine(day) {
      const li = el("li", "day");
      li.dataset.day = day;
      li.append(el("span", null, days.dayLabel(day, this.texts)));
      return li;
    }

    /** At midnight "Today" becomes "Yesterday" and "Yesterday" a date. */
    scheduleRelabel() {
      setTimeout(() => {
        for (const li of this.list.querySelectorAll("li.day")) {
          li.firstChild.textContent = days.dayLabel(li.dataset.day, this.texts);
        }
        this.scheduleRelabel();
      }, days.untilMidnight());
    }

    unsentItem(nonce) {
      return this.list.querySelector(`li.unsent[data-nonce="${CSS.escape(nonce)}"]`);
    }

    /** A line the user sent, grey until the server stores it. */
    addUnsent(nonce, body) {
      const li = el("li", "message unsent pending");
      li.dataset.nonce = nonce;
      li.append(el("span", "nick", this.me), el("span", "sep", " : "), bodySpan(body.trim()));
      this.list.append(li);
      this.scrollToBottom();
    }

    /** The server refused the line for good: say why, and offer to edit or discard it. */
    markFailed(nonce, reason, onEdit, onDiscard) {
      const li = this.unsentItem(nonce);
      if (!li) return;
      li.classList.replace("pending", "failed");
      const actions = el("span", "actions");
      const edit = el("button", "link edit", this.texts.edit);
      const discard = el("button", "link discard", this.texts.discard);
      edit.type = "button";
      discard.type = "button";
      edit.addEventListener("click", onEdit);
      discard.addEventListener("click", onDiscard);
      actions.append(edit, discard);
      li.append(el("span", "failure", `${this.texts.notSent} ${reason}`), actions);
      if (this.nearBottom()) this.scrollToBottom();
    }

    removeUnsent(nonce) {
      const li = nonce && this.unsentItem(nonce);
      if (li) li.remove();
    }
  }

  window.chat.MessageLog = MessageLog;
})();
