// The room page: live messages, participants and typing over /ws/chat/{id}
// (CONTRACT.md "WebSocket"). It never loses a line: a lost socket reconnects by itself with
// ?after=<last id seen>, and lines not yet acknowledged are sent again with the same nonce.
"use strict";

(() => {
  // WebSocket close codes the server sends; defined in shared/src/close.rs, mirrored here.
  const CLOSE = Object.freeze({
    DONE: 1000, // left the room, or it was removed: do not reconnect
    NO_PONG: 1001,
    PROTOCOL_ERROR: 1002,
    NOT_UTF8: 1007,
    LOGGED_OUT: 1008, // log in again before reconnecting
    TOO_BIG: 1009,
    SERVER_ERROR: 1011,
    RESTARTING: 1012, // reconnect at once, with ?after=
    TOO_SLOW: 1013, // fell behind: reconnect with ?after=
  });
  const root = document.getElementById("room");
  if (!root) return;
  const { el, localTime, wsUrl, backoff } = window.chat;
  const roomId = Number(root.dataset.roomId);
  const texts = {
    connecting: root.dataset.tConnecting,
    connected: root.dataset.tConnected,
    reconnecting: root.dataset.tReconnecting,
    removed: root.dataset.tRemoved,
    typing: root.dataset.tTyping,
  };
  const log = document.getElementById("chat-log");
  const list = document.getElementById("messages");
  const olderButton = document.getElementById("load-older");
  const status = document.getElementById("status");
  const form = document.getElementById("send-form");
  const input = document.getElementById("chat-message-input");
  const sendError = document.getElementById("send-error");
  const typingLine = document.getElementById("typing");
  const participants = document.getElementById("participants");
  const title = document.getElementById("room-title");

  let socket = null;
  let attempt = 0;
  let lastId = 0; // the highest message id shown: the resume point
  let oldestId = null;
  let hasMore = false;
  let loadingOlder = false;
  let closedForGood = false;
  let lastTypingSent = 0;
  const pending = new Map(); // nonce -> body, until the server acknowledges it
  const typers = new Map(); // nickname -> timer

  function setStatus(text, kind) {
    status.textContent = text;
    status.dataset.state = kind;
    // While offline nobody's presence is known: grey the dots rather than show stale ones.
    participants.classList.toggle("stale", kind !== "online");
  }

  function nonce() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  }

  function nickColor(nickname) {
    let hash = 0;
    for (const ch of nickname) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
    return `hsl(${hash % 360}, 55%, 38%)`;
  }

  function messageItem(m) {
    const li = el("li", "message");
    li.dataset.id = String(m.id);
    const time = el("time", "time", localTime(m.sent_at, false));
    time.setAttribute("datetime", m.sent_at);
    const nick = el("span", "nick", m.sender);
    nick.style.color = nickColor(m.sender);
    li.append(time, nick, el("span", "sep", " : "), el("span", "body", m.body));
    if (m.sender === root.dataset.me) li.classList.add("mine");
    return li;
  }

  function nearBottom() {
    return log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  }

  function scrollToBottom() {
    log.scrollTop = log.scrollHeight;
  }

  /** Adds a live or resumed message in id order, replacing its pending line. */
  function addMessage(m) {
    if (list.querySelector(`li.message[data-id="${m.id}"]`)) return;
    const stick = nearBottom();
    if (m.nonce && pending.has(m.nonce)) {
      pending.delete(m.nonce);
      const line = list.querySelector(`li.pending[data-nonce="${CSS.escape(m.nonce)}"]`);
      if (line) line.remove();
    }
    const firstPending = list.querySelector("li.pending");
    list.insertBefore(messageItem(m), firstPending);
    lastId = Math.max(lastId, m.id);
    if (oldestId === null || m.id < oldestId) oldestId = m.id;
    if (stick || m.sender === root.dataset.me) scrollToBottom();
  }

  function prependOlder(messages) {
    const before = log.scrollHeight;
    const first = list.firstChild;
    for (const m of messages) {
      if (list.querySelector(`li.message[data-id="${m.id}"]`)) continue;
      list.insertBefore(messageItem(m), first);
      if (oldestId === null || m.id < oldestId) oldestId = m.id;
    }
    log.scrollTop += log.scrollHeight - before;
  }

  function setParticipant(nickname, online) {
    let li = participants.querySelector(`li[data-nickname="${CSS.escape(nickname)}"]`);
    if (!li) {
      li = el("li");
      li.dataset.nickname = nickname;
      li.append(el("span", "dot"), el("span", "name", nickname));
      participants.append(li);
    }
    if (online !== undefined) li.className = online ? "online" : "offline";
  }

  function showTyping(nickname) {
    clearTimeout(typers.get(nickname));
    typers.set(nickname, setTimeout(() => { typers.delete(nickname); renderTyping(); }, 4000));
    renderTyping();
  }

  function renderTyping() {
    typingLine.textContent = typers.size ? `${[...typers.keys()].join(", ")} ${texts.typing}` : "";
  }

  function showError(message) {
    sendError.textContent = message;
    sendError.hidden = false;
    clearTimeout(showError.timer);
    showError.timer = setTimeout(() => { sendError.hidden = true; }, 6000);
  }

  function sendFrame(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  function onFrame(frame) {
    switch (frame.type) {
      case "welcome": {
        attempt = 0;
        setStatus(texts.connected, "online");
        title.textContent = frame.room.title;
        document.title = frame.room.title;
        participants.replaceChildren();
        for (const p of frame.participants) setParticipant(p.nickname, p.online);
        const resumed = lastId > 0;
        for (const m of frame.history) addMessage(m);
        if (!resumed) {
          hasMore = frame.has_more;
          olderButton.hidden = !hasMore;
          scrollToBottom();
        }
        // Lines typed while offline, or sent but not acknowledged: same nonce, stored once.
        for (const [n, body] of pending) sendFrame({ type: "send", body, nonce: n });
        break;
      }
      case "message":
        addMessage(frame);
        typers.delete(frame.sender);
        renderTyping();
        break;
      case "history":
        loadingOlder = false;
        prependOlder([...frame.messages].reverse());
        hasMore = frame.has_more;
        olderButton.hidden = !hasMore;
        break;
      case "presence":
        setParticipant(frame.nickname, frame.online);
        break;
      case "participant":
        setParticipant(frame.nickname);
        break;
      case "typing":
        showTyping(frame.nickname);
        break;
      case "room":
        title.textContent = frame.room.title;
        document.title = frame.room.title;
        if (frame.room.participant_count !== participants.children.length) refreshParticipants();
        break;
      case "room_removed":
        closedForGood = true;
        setStatus(texts.removed, "removed");
        input.disabled = true;
        break;
      case "error":
        showError(frame.message);
        break;
      default:
        break;
    }
  }

  /** Someone left: the contract has no frame for it, so read the list again. */
  async function refreshParticipants() {
    try {
      const response = await fetch(`/chat/${roomId}/`, { headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const detail = await response.json();
      participants.replaceChildren();
      for (const p of detail.participants) setParticipant(p.nickname, p.online);
    } catch (_) {
      // The next change will try again.
    }
  }

  function connect() {
    const query = lastId > 0 ? `?after=${lastId}` : "";
    socket = new WebSocket(wsUrl(`/ws/chat/${roomId}/${query}`));
    socket.onmessage = (event) => {
      try {
        onFrame(JSON.parse(event.data));
      } catch (e) {
        console.error("bad frame", e);
      }
    };
    socket.onclose = (event) => {
      socket = null;
      if (closedForGood) return;
      if (event.code === CLOSE.LOGGED_OUT) {
        // Logged out elsewhere: the session is gone.
        location.href = `/accounts/login/?next=${encodeURIComponent(location.pathname)}`;
        return;
      }
      setStatus(texts.reconnecting, "offline");
      setTimeout(connect, event.code === CLOSE.RESTARTING ? 200 : backoff(attempt++));
    };
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = input.value.trim();
    if (!body) return;
    const n = nonce();
    pending.set(n, body);
    const line = el("li", "message pending");
    line.dataset.nonce = n;
    line.append(el("span", "nick", root.dataset.me), el("span", "sep", " : "), el("span", "body", body));
    list.append(line);
    scrollToBottom();
    sendFrame({ type: "send", body, nonce: n });
    input.value = "";
    input.focus();
  });

  input.addEventListener("input", () => {
    const now = Date.now();
    if (input.value && now - lastTypingSent > 2500) {
      lastTypingSent = now;
      sendFrame({ type: "typing" });
    }
  });

  function loadOlder() {
    if (!hasMore || loadingOlder || oldestId === null) return;
    loadingOlder = sendFrame({ type: "history", before: oldestId, limit: 50 });
  }
  olderButton.addEventListener("click", loadOlder);
  log.addEventListener("scroll", () => { if (log.scrollTop < 20) loadOlder(); });

  const removeForm = document.getElementById("remove-form");
  if (removeForm) {
    removeForm.addEventListener("submit", (event) => {
      if (!window.confirm(removeForm.dataset.confirm)) event.preventDefault();
    });
  }

  setStatus(texts.connecting, "connecting");
  connect();
})();
