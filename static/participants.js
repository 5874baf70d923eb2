// The room's participants pane (#participants): who is a participant, and who of them is
// online. Presence only colours a name; only `participant` adds one and `participant_left`
// takes one away (docs/protocol.md "Leaving a room"), so a late "offline" for someone who
// left does not bring them back.
"use strict";

(() => {
  const { el } = window.chat;

  class Participants {
    /**
     * @param list the list (#participants)
     * @param ban { me, label, onBan(nickname) } for the room's creator, who is offered Ban
     *   next to everyone else; null for the others
     */
    constructor(list, ban) {
      this.list = list;
      this.ban = ban;
      /** nickname -> online, also for names not (or no longer, or not yet) listed. */
      this.online = new Map();
    }

    item(nickname) {
      return this.list.querySelector(`li[data-nickname="${CSS.escape(nickname)}"]`);
    }

    /** The welcome's list, replacing what was shown. */
    replace(participants) {
      this.list.replaceChildren();
      this.online.clear();
      for (const p of participants) {
        this.online.set(p.nickname, p.online);
        this.joined(p.nickname);
      }
    }

    joined(nickname) {
      let li = this.item(nickname);
      if (!li) {
        li = el("li");
        li.dataset.nickname = nickname;
        li.append(el("span", "dot"), el("span", "name", nickname));
        if (this.ban && nickname !== this.ban.me) li.append(this.banButton(nickname));
        this.list.append(li);
      }
      li.className = this.online.get(nickname) ? "online" : "offline";
    }

    banButton(nickname) {
      const button = el("button", "link ban", this.ban.label);
      button.type = "button";
      button.setAttribute("aria-label", `${this.ban.label} ${nickname}`);
      button.addEventListener("click", () => this.ban.onBan(nickname));
      return button;
    }

    /** The participants' nicknames, as listed. */
    names() {
      return [...this.list.querySelectorAll("li[data-nickname]")].map((li) => li.dataset.nickname);
    }

    left(nickname) {
      const li = this.item(nickname);
      if (li) li.remove();
    }

    presence(nickname, online) {
      this.online.set(nickname, online);
      const li = this.item(nickname);
      if (li) li.className = online ? "online" : "offline";
    }

    /** While offline nobody's presence is known: grey the dots rather than show stale ones. */
    stale(isStale) {
      this.list.classList.toggle("stale", isStale);
    }
  }

  window.chat.Participants = Participants;
})();
