// The room's participants pane (#participants): who is a participant, and who of them is
// online. Presence only colours a name; only `participant` adds one and `participant_left`
// takes one away (docs/protocol.md "Leaving a room"), so a late "offline" for someone who
// left does not bring them back.
"use strict";

(() => {
  const { el } = window.chat;

  class Participants {
    constructor(list) {
      this.list = list;
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
        this.list.append(li);
      }
      li.className = this.online.get(nickname) ? "online" : "offline";
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
