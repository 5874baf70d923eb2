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

  function row(room) {
    const tr = el("tr");
    tr.dataset.roomId = String(room.id);
    tr.append(el("td", "num", String(room.id)));
    const title = el("td", "title");
    const link = el("a", null, room.title);
    link.href = `/chat/${room.id}/`;
    title.append(link);
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
