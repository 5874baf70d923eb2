// The room's participants pane (#participants): who is a participant, and who of them is
// online. Presence only colours a name; only `participant` adds one and `participant_left`
// takes one away (docs/protocol.md "Leaving a room"), so a late "offline" for someone who
// left does not bring them back.
//
// In a big room (docs/protocol.md "Big rooms") the welcome lists a first page only: the
// counts go under the heading, "and N more" closes the list, and that line pages in the
// next names when it is clicked, or when the reader scrolls it into view. Pages may repeat a
// name (the list moves while we page): one entry per nickname. `headcount` frames move the
// counts and leave the names as they are.
"use strict";

(() => {
  const { el } = window.chat;

  class Participants {
    /**
     * @param list the list (#participants), inside the scrolling box (#participants-box)
     * @param more the "and N more" button (#participants-more), after the list
     * @param headcount the line for the counts (#headcount)
     * @param words { headcount: "{total} … {online} …", more: "… {n} …" }
     * @param paging { page: names per request, send(frame): true if it went out }
     * @param ban { me, label, onBan(nickname) } for the room's creator, who is offered Ban
     *   next to everyone else; null for the others
     */
    constructor(list, more, headcount, words, paging, ban) {
      this.list = list;
      this.more = more;
      this.headcount = headcount;
      this.words = words;
      this.paging = paging;
      this.ban = ban;
      /** nickname -> online, also for names not (or no longer, or not yet) listed. */
      this.online = new Map();
      /** The room's counts as the server last said; null until the welcome. */
      this.counts = null;
      /** Where the next page starts; null once the server said there is no more. */
      this.nextOffset = null;
      /** A `participants` request is on its way. */
      this.loading = false;
      /** The "and N more" line is on screen; the reader scrolled the list since the welcome
       * (a line in view without a scroll, in a list shorter than its box, waits for a click). */
      this.moreInView = false;
      this.scrolled = false;
      more.addEventListener("click", () => this.loadMore(true));
      // The box scrolls, not the page: a page that moves (a focus, a resize) pages in nothing.
      list.parentElement.addEventListener("scroll", () => {
        this.scrolled = true;
        if (this.moreInView) this.loadMore(false);
      }, { passive: true });
      if ("IntersectionObserver" in window) {
        new IntersectionObserver((entries) => {
          this.moreInView = entries[entries.length - 1].isIntersecting;
          if (this.moreInView && this.scrolled) this.loadMore(false);
        }).observe(more);
      }
    }

    item(nickname) {
      return this.list.querySelector(`li[data-nickname="${CSS.escape(nickname)}"]`);
    }

    /** The welcome: its list (the first page of a big room) replaces what was shown, since
     * the list may have moved while we were away; a request of the old socket is gone. */
    replace(participants, total, onlineCount, hasMore) {
      this.list.replaceChildren();
      this.online.clear();
      for (const p of participants) {
        this.online.set(p.nickname, p.online);
        this.add(p.nickname);
      }
      this.counts = onlineCount === undefined || onlineCount === null
        ? null // a server without big rooms: its list is whole, counted as it is
        : { total, online: onlineCount };
      this.nextOffset = hasMore ? participants.length : null;
      this.loading = false;
      this.scrolled = false;
      this.render();
    }

    /** A `participant_page`: names added once, the counts, where the next page starts. */
    page(frame) {
      for (const p of frame.participants) {
        this.online.set(p.nickname, p.online);
        this.add(p.nickname);
      }
      this.counts = { total: frame.total, online: frame.online };
      this.nextOffset = frame.has_more ? frame.offset + frame.participants.length : null;
      this.loading = false;
      this.render();
      // Still in view after the names came: the reader is waiting for more.
      if (frame.has_more && this.moreInView && this.scrolled) this.loadMore(false);
    }

    /** A `headcount`: the counts move, the names stay. */
    headcountMoved(participants, online) {
      this.counts = { total: participants, online };
      this.render();
    }

    /** Asks for the next page. A click on "and N more" after the server's last page, with
     * names still missing, starts over from the first page (the list moved meanwhile). */
    loadMore(clicked) {
      if (this.loading || this.missing() <= 0) return;
      if (this.nextOffset === null) {
        if (!clicked) return;
        this.nextOffset = 0;
      }
      const frame = { type: "participants", offset: this.nextOffset, limit: this.paging.page };
      this.loading = this.paging.send(frame);
      this.render();
    }

    /** A request refused or lost with its socket: it may be asked for again. */
    requestFailed() {
      this.loading = false;
      this.render();
    }

    /** How many participants are not listed. */
    missing() {
      return this.counts ? this.counts.total - this.names().length : 0;
    }

    add(nickname) {
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

    /** `participant` (small rooms): a new participant. */
    joined(nickname) {
      if (!this.item(nickname) && this.counts) this.counts.total += 1;
      this.add(nickname);
      this.render();
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

    /** `participant_left` (small rooms), or ourselves leaving. */
    left(nickname) {
      const li = this.item(nickname);
      if (!li) return;
      if (this.counts) {
        this.counts.total = Math.max(0, this.counts.total - 1);
        if (li.classList.contains("online")) this.counts.online = Math.max(0, this.counts.online - 1);
      }
      li.remove();
      this.render();
    }

    /** `presence` (small rooms). */
    presence(nickname, online) {
      this.online.set(nickname, online);
      const li = this.item(nickname);
      if (!li) return;
      const was = li.classList.contains("online");
      li.className = online ? "online" : "offline";
      if (this.counts && was !== online) this.counts.online += online ? 1 : -1;
      this.render();
    }

    /** The counts under the heading and the "and N more" line. */
    render() {
      const names = this.names();
      const total = this.counts ? this.counts.total : names.length;
      const online = this.counts
        ? this.counts.online
        : names.filter((n) => this.online.get(n)).length;
      this.headcount.textContent = this.words.headcount
        .replace("{total}", total)
        .replace("{online}", online);
      const missing = this.missing();
      this.more.hidden = missing <= 0;
      this.more.textContent = this.words.more.replace("{n}", missing) + (this.loading ? "…" : "");
      this.more.setAttribute("aria-busy", String(this.loading));
    }

    /** While offline nobody's presence is known: grey the dots rather than show stale ones. */
    stale(isStale) {
      this.list.classList.toggle("stale", isStale);
    }
  }

  window.chat.Participants = Participants;
})();
