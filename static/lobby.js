// The room list, kept live through /ws/lobby (CONTRACT.md "Lobby").
"use strict";

(() => {
  const rows = document.getElementById("room-rows");
  const empty = document.getElementById("no-rooms");
  if (!rows) return;
  const lobby = document.getElementById("lobby");
  // Only page one (the newest rooms) takes new rooms; an older page keeps its rows and only
  // sees them change or go.
  const firstPage = lobby.dataset.firstPage === "true";
  let hasMore = lobby.dataset.hasMore === "true";
  const { el, localTime, wsUrl, backoff } = window.chat;

  for (const time of rows.querySelectorAll("time")) {
    time.textContent = localTime(time.getAttribute("datetime"), true);
  }

  // The user's unread counts by room id (docs/protocol.md "Read markers"): `room` frames carry
  // none, so a row rebuilt from one keeps the count it had.
  const unread = new Map();
  for (const tr of rows.querySelectorAll("tr[data-room-id]")) {
    const badge = tr.querySelector(".unread");
    if (badge && !badge.hidden) {
      unread.set(Number(tr.dataset.roomId), {
        count: Number(badge.dataset.count || badge.textContent.replace("+", "")),
        mentioned: badge.classList.contains("mentioned"),
      });
    }
  }

  // "999+" at the server's cap (limits::UNREAD_CAP).
  function label(count) {
    return count >= 1000 ? "999+" : String(count);
  }

  function badgeFor(id) {
    const u = unread.get(id) || { count: 0, mentioned: false };
    const badge = el("span", u.mentioned ? "unread mentioned" : "unread", u.count ? label(u.count) : "");
    badge.dataset.count = String(u.count);
    // Read out with what it counts: "3 unread".
    if (u.count) badge.title = `${label(u.count)} ${u.mentioned ? lobby.dataset.tUnreadMentions : lobby.dataset.tUnread}`;
    badge.hidden = u.count === 0;
    return badge;
  }

  function showUnread(id) {
    const tr = find(id);
    const old = tr && tr.querySelector(".unread");
    if (old) old.replaceWith(badgeFor(id));
  }

  function row(room) {
    if (room.unread) unread.set(room.id, { count: room.unread, mentioned: Boolean(room.mentioned) });
    const tr = el("tr");
    tr.dataset.roomId = String(room.id);
    tr.append(el("td", "num", String(room.id)));
    const title = el("td", "title");
    const link = el("a", null, room.title);
    link.href = `/chat/${room.id}/`;
    title.append(link, " ", badgeFor(room.id));
    tr.append(title);
    tr.append(el("td", "num count", String(room.participant_count)));
    const created = el("td", "created");
    const time = el("time", null, localTime(room.created_at, true));
    time.setAttribute("datetime", room.created_at);
    created.append(time);
    tr.append(created);
    tr.append(el("td", "creator", room.creator));
    return tr;
  }

  function find(id) {
    return rows.querySelector(`tr[data-room-id="${Number(id)}"]`);
  }

  function upsert(room) {
    const fresh = row(room);
    const existing = find(room.id);
    if (existing) {
      existing.replaceWith(fresh);
      return;
    }
    if (!firstPage) return;
    // A change to a room below the last row belongs to an older page.
    const last = rows.lastElementChild;
    if (hasMore && last && room.id < Number(last.dataset.roomId)) return;
    // Newest first: rooms are numbered in creation order.
    const after = [...rows.children].find((tr) => Number(tr.dataset.roomId) < room.id);
    rows.insertBefore(fresh, after || null);
  }

  // "Older rooms" must start right below the last row shown, which the socket's list may move.
  function followOn() {
    const older = document.getElementById("older-rooms");
    const last = rows.lastElementChild;
    if (!older || !last) return;
    const url = new URL(older.href);
    url.searchParams.set("before", last.dataset.roomId);
    older.href = url.pathname + url.search;
  }

  function refreshEmpty() {
    empty.hidden = rows.children.length > 0;
  }

  let attempt = 0;
  function connect() {
    const socket = new WebSocket(wsUrl("/ws/lobby"));
    socket.onopen = () => { attempt = 0; };
    socket.onmessage = (event) => {
      const frame = JSON.parse(event.data);
      if (frame.type === "rooms") {
        // Says the list is live from here on (tests wait for it).
        lobby.dataset.live = "true";
        // Page one's rows come from this frame, with the counts as they are now: a room it
        // lists without one has nothing unread.
        if (firstPage) unread.clear();
        if (firstPage) {
          rows.replaceChildren(...frame.rooms.map(row));
          hasMore = Boolean(frame.has_more);
          followOn();
        } else {
          // Rooms changed or removed while this page loaded.
          for (const room of frame.rooms) if (find(room.id)) upsert(room);
        }
      } else if (frame.type === "room") {
        upsert(frame.room);
      } else if (frame.type === "unread") {
        if (frame.unread) {
          unread.set(frame.room_id, { count: frame.unread, mentioned: Boolean(frame.mentioned) });
        } else {
          unread.delete(frame.room_id);
        }
        showUnread(frame.room_id);
      } else if (frame.type === "room_removed") {
        const tr = find(frame.id);
        if (tr) tr.remove();
      }
      refreshEmpty();
    };
    socket.onclose = () => {
      delete lobby.dataset.live;
      setTimeout(connect, backoff(attempt++));
    };
  }
  connect();
})();
