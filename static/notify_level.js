// The room's notification level (docs/protocol.md "Notification levels"): which lines count
// in a hidden tab's title and show a desktop notification. It is kept on the server per user
// and room, so every device agrees; the page reads it when it loads (another device's change
// shows on the next load). A change is posted at once; a refused one says why next to the
// control and goes back to the level in force.
"use strict";

(() => {
  class NotifyLevel {
    /**
     * @param roomId the room
     * @param select the control (#notify-level); its data-saved is the level in force
     * @param error where a refusal is shown (#notify-error)
     * @param texts refused (put in front of the server's reason)
     * @param onSaved called with the new level once the server has it
     */
    constructor(roomId, select, error, texts, onSaved) {
      this.roomId = roomId;
      this.select = select;
      this.error = error;
      this.texts = texts;
      this.onSaved = onSaved;
      select.addEventListener("change", () => this.save(select.value));
    }

    /** The level in force, as the server last said. */
    level() {
      return this.select.dataset.saved;
    }

    /** The page's CSRF token, as its forms post it. */
    token() {
      const field = document.querySelector("input[name=csrfmiddlewaretoken]");
      return field ? field.value : "";
    }

    async save(level) {
      this.error.hidden = true;
      let refusal = null;
      try {
        const response = await fetch(`/chat/${this.roomId}/notify`, {
          method: "POST",
          headers: {
            Accept: "application/json",
            "Content-Type": "application/json",
            "X-CSRFToken": this.token(),
          },
          body: JSON.stringify({ level }),
          credentials: "same-origin",
        });
        if (!response.ok) {
          const answer = await response.json().catch(() => ({}));
          refusal = answer.error || `${response.status} ${response.statusText}`;
        }
      } catch (e) {
        refusal = String(e.message || e);
      }
      if (refusal !== null) {
        this.select.value = this.level();
        this.error.textContent = `${this.texts.refused} ${refusal}`;
        this.error.hidden = false;
        return;
      }
      this.select.dataset.saved = level;
      this.onSaved(level);
    }
  }

  window.chat.NotifyLevel = NotifyLevel;
})();
