// The message box (#send-form): Enter sends, Shift+Enter breaks the line, the box grows to a
// few lines as it fills, and a message over the server's limit is refused here, with its
// count, before anything is sent. Pasted text is never cut.
//
// It also edits a stored line: Edit on a line (or Up in an empty box, for the newest of mine)
// puts its text in the box; Enter saves it, Escape gives back what was typed before.
"use strict";

(() => {
  const { body } = window.chat;
  // The count shows from this share of the limit on, so a long paste is noticed in time.
  const SHOW_COUNT_FROM = 0.9;
  // At most one `typing` frame this often (the server passes on one a second at most).
  const TYPING_EVERY_MS = 2500;

  class Composer {
    /**
     * @param texts tooLong ("{n}" and "{max}" filled in here)
     * @param onSend (prepared body) => void
     * @param onTyping () => void
     * @param editing { onEdit(id, prepared body), onEditLast() }
     */
    constructor(form, texts, onSend, onTyping, editing) {
      this.form = form;
      this.input = form.querySelector("textarea");
      this.button = form.querySelector("button[type=submit]");
      this.count = document.getElementById("char-count");
      this.error = document.getElementById("send-error");
      this.texts = texts;
      this.lastTyping = 0;
      this.editing = editing;
      this.banner = document.getElementById("editing");
      /** The id of the line being edited, or null. */
      this.editingId = null;
      /** What was in the box before an edit began, given back after it. */
      this.draftBeforeEdit = "";

      form.addEventListener("submit", (event) => {
        event.preventDefault();
        this.submit(onSend);
      });
      this.banner.querySelector("button").addEventListener("click", () => this.stopEditing());
      this.input.addEventListener("keydown", (event) => {
        if (event.key === "Escape" && this.editingId !== null) {
          event.preventDefault();
          this.stopEditing();
          return;
        }
        if (event.key === "ArrowUp" && !this.input.value && this.editingId === null
            && !event.shiftKey && !event.altKey && !event.ctrlKey && !event.metaKey) {
          event.preventDefault();
          this.editing.onEditLast();
          return;
        }
        // Enter while an input method is composing (Korean, Japanese, ...) picks the
        // composed text; it does not send.
        if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229) {
          return;
        }
        event.preventDefault();
        form.requestSubmit();
      });
      this.input.addEventListener("input", () => {
        this.changed();
        const now = Date.now();
        if (this.input.value && now - this.lastTyping > TYPING_EVERY_MS) {
          this.lastTyping = now;
          onTyping();
        }
      });
      this.changed();
    }

    /** The box's text as it would be sent, and its length as the server counts it. */
    draft() {
      const prepared = body.prepare(this.input.value);
      return { prepared, chars: body.chars(prepared) };
    }

    submit(onSend) {
      if (this.input.disabled) return;
      const { prepared, chars } = this.draft();
      if (chars === 0) return;
      if (chars > body.MAX_CHARS) {
        // Kept in the box to shorten; changed() already says why.
        this.changed();
        this.input.focus();
        return;
      }
      if (this.editingId !== null) {
        this.editing.onEdit(this.editingId, prepared);
        this.stopEditing();
        return;
      }
      onSend(prepared);
      this.input.value = "";
      this.changed();
      this.input.focus();
    }

    /** Puts line `id`'s text in the box to change; Enter saves, Escape cancels. */
    startEdit(id, text) {
      if (this.input.disabled) return;
      if (this.editingId === null) this.draftBeforeEdit = this.input.value;
      this.editingId = id;
      this.banner.hidden = false;
      this.form.classList.add("editing");
      this.input.value = text;
      this.changed();
      this.input.focus();
      this.input.setSelectionRange(text.length, text.length);
    }

    stopEditing() {
      if (this.editingId === null) return;
      this.editingId = null;
      this.banner.hidden = true;
      this.form.classList.remove("editing");
      this.input.value = this.draftBeforeEdit;
      this.draftBeforeEdit = "";
      this.changed();
      this.input.focus();
    }

    /** Sizes the box to its text and says whether it is too long. */
    changed() {
      const { chars } = this.draft();
      const over = chars > body.MAX_CHARS;
      this.count.hidden = chars < body.MAX_CHARS * SHOW_COUNT_FROM;
      this.count.textContent = `${chars} / ${body.MAX_CHARS}`;
      this.count.classList.toggle("over", over);
      this.input.classList.toggle("invalid", over);
      this.input.setAttribute("aria-invalid", String(over));
      const newlyOver = over && this.error.hidden;
      this.error.hidden = !over;
      this.error.textContent = over
        ? this.texts.tooLong.replace("{n}", chars).replace("{max}", body.MAX_CHARS)
        : "";
      this.resize();
      // A long paste grows the box: make sure the reason under it is on screen.
      if (newlyOver) this.error.scrollIntoView({ block: "nearest" });
    }

    /** As tall as its lines, up to the CSS max-height (then it scrolls). */
    resize() {
      const box = this.input;
      box.style.height = "auto";
      box.style.height = `${box.scrollHeight + box.offsetHeight - box.clientHeight}px`;
    }

    /** A failed line back in the box to edit, above anything typed since. */
    putBack(text) {
      const typed = this.input.value;
      this.input.value = typed.trim() ? `${text}\n${typed}` : text;
      this.changed();
      this.input.focus();
    }

    /** The room is closed to this page: nothing more can be sent. */
    disable() {
      this.stopEditing();
      this.input.disabled = true;
      this.button.disabled = true;
    }
  }

  window.chat.Composer = Composer;
})();
