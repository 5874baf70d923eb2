// Bans, for the room's creator (docs/protocol.md "Bans"): Ban next to a participant posts
// /chat/{id}/ban, and the "Banned users" list (#bans), read from the room's JSON, offers Unban.
// The participants pane updates itself from the socket (participant_left); this list is read
// again after every ban or unban.
"use strict";

(() => {
  const { el } = window.chat;

  class Bans {
    /**
     * @param roomId the room
     * @param section the "Banned users" box (#bans-section), with its list and error line
     * @param texts unban, none
     */
    constructor(roomId, section, texts) {
      this.roomId = roomId;
      this.list = section.querySelector("#bans");
      this.error = section.querySelector("#ban-error");
      this.texts = texts;
    }

    /** The page's CSRF token, as its forms post it. */
    token() {
      const field = document.querySelector("input[name=csrfmiddlewaretoken]");
      return field ? field.value : "";
    }

    async post(verb, nickname) {
      this.error.hidden = true;
      try {
        const response = await fetch(`/chat/${this.roomId}/${verb}`, {
          method: "POST",
          headers: {
            Accept: "application/json",
            "Content-Type": "application/json",
            "X-CSRFToken": this.token(),
          },
          body: JSON.stringify({ nickname }),
          credentials: "same-origin",
        });
        if (!response.ok) {
          const answer = await response.json().catch(() => ({}));
          this.showError(answer.error || `${response.status} ${response.statusText}`);
        }
      } catch (e) {
        this.showError(String(e.message || e));
      }
      await this.refresh();
    }

    ban(nickname) {
      return this.post("ban", nickname);
    }

    unban(nickname) {
      return this.post("unban", nickname);
    }

    showError(message) {
      this.error.textContent = message;
      this.error.hidden = false;
    }

    /** Reads the room's bans again and shows them. */
    async refresh() {
      try {
        const response = await fetch(`/chat/${this.roomId}/`, {
          headers: { Accept: "application/json" },
          credentials: "same-origin",
        });
        if (!response.ok) return;
        const room = await response.json();
        this.render(room.bans || []);
      } catch (e) {
        console.error("could not read the room's bans", e);
      }
    }

    render(nicknames) {
      this.list.replaceChildren();
      for (const nickname of nicknames) {
        const li = el("li");
        li.dataset.nickname = nickname;
        const unban = el("button", "link unban", this.texts.unban);
        unban.type = "button";
        unban.setAttribute("aria-label", `${this.texts.unban} ${nickname}`);
        unban.addEventListener("click", () => this.unban(nickname));
        li.append(el("span", "name", nickname), unban);
        this.list.append(li);
      }
      if (!nicknames.length) this.list.append(el("li", "muted none", this.texts.none));
    }
  }

  window.chat.Bans = Bans;
})();
