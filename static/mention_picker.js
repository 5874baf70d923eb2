// The list offered while typing `@name` in the message box (#mention-list): the room's
// participants whose nickname starts with what follows the `@`. Up and Down move, Enter or Tab
// picks, Escape closes, a click picks. It only completes text: the server finds the mentions.
"use strict";

(() => {
  const { el } = window.chat;
  // At most this many names are offered at once.
  const MAX_SHOWN = 8;
  // An `@` at the start or after a character that cannot be part of a word, then the name so
  // far (docs/protocol.md "Mentions": the server's rule for where a mention starts).
  const TYPED_MENTION = /(?:^|[^\p{L}\p{N}_])@([\p{L}\p{N}_.-]*)$/u;

  class MentionPicker {
    /**
     * @param input the message box
     * @param list the list the names show in (#mention-list)
     * @param names () => the nicknames to offer
     */
    constructor(input, list, names) {
      this.input = input;
      this.list = list;
      this.names = names;
      this.shown = [];
      this.chosen = 0;
      input.addEventListener("input", () => this.update());
      input.addEventListener("blur", () => setTimeout(() => this.close(), 150));
      // On the form, in the capture phase: before the box's own Enter (send) and Up (edit).
      input.form.addEventListener("keydown", (event) => this.onKey(event), true);
    }

    /** What is being typed after an `@` before the caret, or null. */
    typed() {
      const before = this.input.value.slice(0, this.input.selectionStart);
      const match = TYPED_MENTION.exec(before);
      return match ? match[1] : null;
    }

    update() {
      const typed = this.typed();
      if (typed === null) {
        this.close();
        return;
      }
      const start = typed.toLowerCase();
      this.shown = this.names()
        .filter((n) => n.toLowerCase().startsWith(start))
        .slice(0, MAX_SHOWN);
      this.chosen = 0;
      this.render();
    }

    render() {
      this.list.replaceChildren();
      this.shown.forEach((name, i) => {
        const li = el("li", i === this.chosen ? "chosen" : null, name);
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", String(i === this.chosen));
        // mousedown, not click: it comes before the box loses focus.
        li.addEventListener("mousedown", (event) => {
          event.preventDefault();
          this.pick(name);
        });
        this.list.append(li);
      });
      this.list.hidden = this.shown.length === 0;
    }

    isOpen() {
      return !this.list.hidden && this.shown.length > 0;
    }

    onKey(event) {
      if (event.target !== this.input || !this.isOpen() || event.isComposing) return;
      const moves = { ArrowDown: 1, ArrowUp: -1 };
      if (event.key in moves) {
        this.chosen = (this.chosen + moves[event.key] + this.shown.length) % this.shown.length;
        this.render();
      } else if (event.key === "Enter" || event.key === "Tab") {
        this.pick(this.shown[this.chosen]);
      } else if (event.key === "Escape") {
        this.close();
      } else {
        return;
      }
      event.preventDefault();
      event.stopPropagation();
    }

    /** Replaces the `@name` being typed with the whole nickname and a space. */
    pick(name) {
      const caret = this.input.selectionStart;
      const typed = this.typed() || "";
      const start = caret - typed.length;
      const after = this.input.value.slice(caret);
      this.input.value = `${this.input.value.slice(0, start)}${name} ${after}`;
      const at = start + name.length + 1;
      this.input.setSelectionRange(at, at);
      this.close();
      this.input.dispatchEvent(new Event("input"));
      this.input.focus();
    }

    close() {
      this.shown = [];
      this.list.hidden = true;
      this.list.replaceChildren();
    }
  }

  window.chat.MentionPicker = MentionPicker;
})();
