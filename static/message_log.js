// The room's message log (#messages): stored messages in id order under a line for each day,
// then the lines not stored yet (grey while on their way, marked when refused for good).
// Everything users wrote goes in as text, never as HTML, its web links as elements
// (links.js); line breaks show through CSS.
//
// A line is shown as it is now: an edit or a delete (docs/protocol.md "Room events") replaces
// it in place by id. Consecutive lines of one sender within a few minutes show the name once.
"use strict";

(() => {
  const { el, localTime, days, links } = window.chat;

  /** A body: its text, with http(s) links that can be clicked. */
  function bodySpan(text) {
    const span = el("span", "body");
    span.append(...links.nodes(text));
    return span;
  }

  // Lines of one sender closer than this share the name shown on the first.
  const GROUP_WITHIN_MS = 5 * 60 * 1000;

  /** A nickname's hue; app.css picks the lightness for the colour scheme, so every hue keeps
   * a 4.5:1 contrast on both backgrounds. */
  function nickHue(nickname) {
    let hash = 0;
    for (const ch of nickname) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
    return String(hash % 360);
  }

  function nickSpan(nickname) {
    const nick = el("span", "nick", nickname);
    nick.style.setProperty("--hue", nickHue(nickname));
    return nick;
  }

  /** "(edited)", with the edit's time on hover. */
  function editedMark(m, label) {
    const mark = el("span", "edited", label);
    const at = new Date(m.edited_at);
    if (!Number.isNaN(at.getTime())) mark.title = days.fullDateTime(at);
    return mark;
  }

  /** Whether `mentions` names `nickname` (nicknames compare case-insensitively). */
  function mentions(m, nickname) {
    const me = nickname.toLowerCase();
    return (m.mentions || []).some((n) => n.toLowerCase() === me);
  }

  class MessageLog {
    /**
     * @param log the scrolling box (#chat-log)
     * @param list the list inside it (#messages)
     * @param me the reader's nickname
     * @param texts the page's words: today, yesterday, notSent, edit, discard, editLine,
     *   deleteLine, deleted, edited, lineActions
     * @param changes { deleteAny, onEdit(id), onDelete(id) }: who may delete which line, and
     *   what Edit and Delete on a line do
     */
    constructor(log, list, me, texts, changes) {
      this.log = log;
      this.list = list;
      this.me = me;
      this.texts = texts;
      this.changes = changes;
      /** id -> the message as shown, for editing it. */
      this.messages = new Map();
      this.scheduleRelabel();
    }

    /** A stored line as shown now, or undefined. */
    message(id) {
      return this.messages.get(Number(id));
    }

    /** The newest line of mine that can still be edited, or undefined. */
    lastOwn() {
      const items = this.list.querySelectorAll("li.message.mine[data-id]:not(.deleted):not(.notice)");
      const last = items[items.length - 1];
      return last ? this.message(last.dataset.id) : undefined;
    }

    /** Whether `m` mentions the reader. */
    mentionsMe(m) {
      return mentions(m, this.me);
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
      this.messages.set(m.id, m);
      const li = el("li", "message");
      li.dataset.id = String(m.id);
      li.dataset.sender = m.sender;
      const sent = new Date(m.sent_at);
      const time = el("time", "time", localTime(m.sent_at, false));
      time.setAttribute("datetime", m.sent_at);
      if (!Number.isNaN(sent.getTime())) {
        li.dataset.day = days.dayKey(sent);
        li.dataset.at = String(sent.getTime());
        time.title = days.fullDateTime(sent);
      }
      if (m.kind === "join" || m.kind === "leave") {
        // Someone came or went: a quiet line in the page's own words.
        li.classList.add("notice", "membership", m.kind);
        const words = (m.kind === "join" ? this.texts.joinedLine : this.texts.leftLine) || "{nick}";
        li.append(time, el("span", "body", words.replace("{nick}", m.sender)));
        return li;
      }
      if (m.kind === "notice") {
        // A quiet line from the server about the room: no sender column.
        li.classList.add("notice");
        li.append(time, el("span", "body", m.body));
        return li;
      }
      if (m.kind === "action") {
        li.classList.add("action");
        li.append(time, el("span", "star", "* "), nickSpan(m.sender), el("span", "sep", " "), this.bodyOf(m));
      } else {
        li.append(time, nickSpan(m.sender), el("span", "sep", " : "), this.bodyOf(m));
      }
      if (m.sender === this.me) li.classList.add("mine");
      if (m.deleted) li.classList.add("deleted");
      if (this.mentionsMe(m)) li.classList.add("mention");
      if (m.edited_at && !m.deleted) li.append(editedMark(m, this.texts.edited));
      this.addLineActions(li, m);
      return li;
    }

    /** The body as the reader sees it: its text, or that it was deleted. */
    bodyOf(m) {
      if (m.deleted) return el("span", "body", this.texts.deleted);
      return bodySpan(m.body);
    }

    /** Edit and Delete, where the reader may: behind a small button that hover, focus and
     * touch all open. */
    addLineActions(li, m) {
      if (m.deleted) return;
      const mine = m.sender === this.me;
      if (!mine && !this.changes.deleteAny) return;
      const menu = el("span", "line-actions");
      const toggle = el("button", "link line-menu", "⋯");
      toggle.type = "button";
      toggle.setAttribute("aria-label", this.texts.lineActions);
      toggle.setAttribute("aria-expanded", "false");
      toggle.addEventListener("click", () => {
        const open = li.classList.toggle("open");
        toggle.setAttribute("aria-expanded", String(open));
      });
      menu.append(toggle);
      if (mine) menu.append(this.actionButton("edit-line", this.texts.editLine, () => this.changes.onEdit(m.id)));
      menu.append(this.actionButton("delete-line", this.texts.deleteLine, () => this.changes.onDelete(m.id)));
      li.append(menu);
    }

    actionButton(className, label, onClick) {
      const button = el("button", `link ${className}`, label);
      button.type = "button";
      button.addEventListener("click", onClick);
      return button;
    }

    /** An edit or delete: the line with that id, as it is now. A line not shown needs
     * nothing. */
    replace(m) {
      const old = this.list.querySelector(`li.message[data-id="${Number(m.id)}"]`);
      if (!old) return;
      const stick = this.nearBottom();
      old.replaceWith(this.messageItem(m));
      this.syncGroups();
      if (stick) this.scrollToBottom();
    }

    /** Shows the name once for lines of one sender in a row, a few minutes apart at most;
     * a day line, a notice or an action starts a new group. */
    syncGroups() {
      let previous = null;
      for (const node of this.list.children) {
        const plain = node.dataset.id && !node.classList.contains("notice") && !node.classList.contains("action");
        const joined = plain && previous !== null
          && previous.dataset.sender === node.dataset.sender
          && Number(node.dataset.at) - Number(previous.dataset.at) <= GROUP_WITHIN_MS;
        if (node.dataset.id) node.classList.toggle("cont", !!joined);
        previous = plain ? node : null;
      }
    }

    /** A live or resumed message: after every stored one (ids only grow), before the lines
     * not stored yet. Keeps the view at the bottom if it was there, or if it is ours. */
    add(m) {
      if (this.has(m.id)) return;
      const stick = this.nearBottom();
      this.list.insertBefore(this.messageItem(m), this.list.querySelector("li.unsent"));
      this.syncDays();
      this.syncGroups();
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
      this.syncGroups();
      this.log.scrollTop += this.log.scrollHeight - before;
    }

    /** The newest stored message's id, where the next newer page starts. */
    newestId() {
      const all = this.list.querySelectorAll("li.message[data-id]");
      return all.length ? Number(all[all.length - 1].dataset.id) : null;
    }

    /** Marks one line (a search result opened with ?at=) and scrolls it to the middle. */
    highlight(id) {
      const li = this.list.querySelector(`li.message[data-id="${Number(id)}"]`);
      if (!li) return;
      li.classList.add("highlight");
      li.scrollIntoView({ block: "center" });
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
    addUnsent(nonce, body, action) {
      const li = el("li", "message unsent pending");
      li.dataset.nonce = nonce;
      if (action) {
        li.classList.add("action");
        li.append(el("span", "star", "* "), el("span", "nick", this.me), el("span", "sep", " "), bodySpan(body.trim()));
      } else {
        li.append(el("span", "nick", this.me), el("span", "sep", " : "), bodySpan(body.trim()));
      }
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
