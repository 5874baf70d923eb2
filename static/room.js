// The room page: its socket on /ws/chat/{id} (CONTRACT.md "WebSocket", docs/protocol.md), and
// the parts of the page it feeds: the log (message_log.js), the box (composer.js, with
// mention_picker.js), the lines on their way (outbox.js), the participants (participants.js),
// the creator's bans (bans.js), the room's notification level (notify_level.js) and what a
// line that notifies does in a hidden tab (mention_alerts.js), and how far the reader has read
// (read_marker.js).
//
// It never loses a line: a lost socket reconnects by itself with ?after=<last id seen>, and
// lines not yet stored are sent again with the same nonce. It stops for good, and says so,
// when the room is removed or the user left it (from here or another device): reconnecting
// then would make the user a participant again.
"use strict";

(() => {
  // WebSocket close codes the server sends; defined in shared/src/close.rs, mirrored here.
  const CLOSE = Object.freeze({
    DONE: 1000, // the room was removed: do not reconnect
    NO_PONG: 1001,
    PROTOCOL_ERROR: 1002,
    NOT_UTF8: 1007,
    LOGGED_OUT: 1008, // log in again before reconnecting
    TOO_BIG: 1009,
    SERVER_ERROR: 1011,
    RESTARTING: 1012, // reconnect at once, with ?after=
    TOO_SLOW: 1013, // fell behind: reconnect with ?after=
    LEFT: 4000, // the user left the room (here or elsewhere): do not reconnect
    BANNED: 4001, // the room's creator banned the user: do not reconnect
  });
  const root = document.getElementById("room");
  if (!root) return;
  const { wsUrl, backoff, Outbox, MessageLog, Composer, Participants, Bans, MentionAlerts, MentionPicker, NotifyLevel, ReadMarker } = window.chat;
  const roomId = Number(root.dataset.roomId);
  const me = root.dataset.me;
  // The room's creator (or an admin): may delete anyone's line, ban and unban.
  const moderates = root.dataset.moderates === "true";
  const t = root.dataset; // the page's words, as data-t-* attributes
  const status = document.getElementById("status");
  const olderButton = document.getElementById("load-older");
  const typingLine = document.getElementById("typing");
  const socketError = document.getElementById("socket-error");
  const closedNotice = document.getElementById("room-closed");
  const title = document.getElementById("room-title");

  const log = new MessageLog(document.getElementById("chat-log"), document.getElementById("messages"), me, {
    today: t.tToday,
    yesterday: t.tYesterday,
    notSent: t.tNotSent,
    edit: t.tEdit,
    discard: t.tDiscard,
    editLine: t.tEditLine,
    deleteLine: t.tDeleteLine,
    deleted: t.tDeleted,
    edited: t.tEdited,
    joinedLine: t.tJoinedLine,
    leftLine: t.tLeftLine,
    lineActions: t.tLineActions,
  }, {
    deleteAny: moderates,
    onEdit: (id) => editLine(id),
    onDelete: (id) => deleteLine(id),
  });
  const readMarker = new ReadMarker(
    document.getElementById("chat-log"),
    document.getElementById("messages"),
    document.getElementById("jump-new"),
    me,
    { newMessages: t.tNewMessages },
    {
      send: (frame) => sendFrame(frame),
      loadOlder: () => { loadOlder(); return loadingOlder; },
      hasMore: () => hasMore,
    },
  );
  const bansSection = document.getElementById("bans-section");
  const bans = moderates && bansSection ? new Bans(roomId, bansSection, { unban: t.tUnban, none: t.tNoBans }) : null;
  const participants = new Participants(
    document.getElementById("participants"),
    document.getElementById("participants-more"),
    document.getElementById("headcount"),
    { headcount: t.tHeadcount, more: t.tParticipantsMore },
    { page: Number(root.dataset.participantPage) || 100, send: (frame) => sendFrame(frame) },
    bans ? { me, label: t.tBan, onBan: (nickname) => bans.ban(nickname) } : null,
  );
  const outbox = new Outbox(
    (nonce, body, action) => sendFrame(action ? { type: "send", body, nonce, action } : { type: "send", body, nonce }),
    (nonce, message) => log.markFailed(nonce, message, () => editFailed(nonce), () => discardFailed(nonce)),
  );
  const composer = new Composer(
    document.getElementById("send-form"),
    { tooLong: t.tTooLong },
    (typed) => {
      const { body, action } = asAction(typed);
      log.addUnsent(outbox.add(body, action), body, action);
    },
    () => sendFrame({ type: "typing" }),
    {
      onEdit: (id, body) => {
        const m = log.message(id);
        // An edit that changes nothing gets no answer: nothing to send.
        if (m && m.body === body.trim()) return;
        sendChange({ type: "edit", id, body }, editedText);
      },
      onEditLast: () => {
        const last = log.lastOwn();
        if (last) editLine(last.id);
      },
    },
  );
  new MentionPicker(
    document.getElementById("chat-message-input"),
    document.getElementById("mention-list"),
    () => participants.names().filter((n) => n !== me),
  );
  const levelControl = new NotifyLevel(
    roomId,
    document.getElementById("notify-level"),
    document.getElementById("notify-error"),
    { refused: t.tNotifyRefused },
    (level) => alerts.setLevel(level),
  );
  const alerts = new MentionAlerts(document.getElementById("notify-toggle"), {
    notifyOn: t.tNotifyOn,
    notifyOff: t.tNotifyOff,
    blocked: t.tNotifyBlocked,
  }, levelControl.level());

  let socket = null;
  let reconnectTimer = null;
  let attempt = 0;
  let lastId = 0; // the highest message id shown: the resume point
  let hasMore = false;
  let loadingOlder = false;
  // Opened at a line (?at=ID, a search result): the log shows the lines around it, not the
  // newest, and reads forward (history `after`) to the live edge; until it gets there, live
  // lines are left to those pages, so nothing is missed and nothing shows twice.
  const atId = Number(new URLSearchParams(location.search).get("at")) || null;
  let hasNewer = false;
  let loadingNewer = false;
  // The welcome's newest lines, kept while the log is away from the live edge: shown if the
  // line asked for cannot be.
  let edgeHistory = null;
  // Live lines that came while away from the live edge, oldest first: a page forward read
  // before one of them was stored does not have it, so they are added once the pages end.
  let heldLive = [];
  // The room is gone for this page (removed, or the user left it): never reconnect.
  let closedForGood = false;
  // A form is taking the page elsewhere (Log out, Leave, Remove, Rename): the server may
  // close the socket before the next page comes, and that close is no reason to reconnect
  // or to go to the login form.
  let navigatingAway = false;
  const typers = new Map(); // nickname -> timer
  // Edits and deletes sent and not yet answered, oldest first: a refusal names no nonce, and
  // is about the oldest of them (the server answers a socket's frames in order).
  const changesSent = [];
  // The text of the line being edited when the edit began (it may be deleted meanwhile).
  let editedText = "";

  /** `/me waves` is an action line "* nick waves"; anything else is a plain line. */
  function asAction(typed) {
    const match = /^\/me\s+([\s\S]*\S[\s\S]*)$/.exec(typed.trim());
    return match ? { body: match[1], action: true } : { body: typed, action: false };
  }

  /** Edit on a line: its text in the box, to change and save with Enter. */
  function editLine(id) {
    const m = log.message(id);
    if (!m || m.deleted || m.sender !== me) return;
    editedText = m.body;
    composer.startEdit(m.id, m.body);
  }

  function deleteLine(id) {
    const m = log.message(id);
    if (!m || m.deleted) return;
    if (!window.confirm(t.tDeleteConfirm)) return;
    sendChange({ type: "delete", id: m.id }, m.body);
  }

  /** Sends an edit or delete of the line that read `text` (named in a refusal). */
  function sendChange(frame, text) {
    if (!sendFrame(frame)) {
      showSocketError(t.tReconnecting);
      return;
    }
    changesSent.push({ id: frame.id, text, edit: frame.body });
  }

  /** A refusal of an edit or delete, next to the box: the server's reason names the message
   * by id, so the line's text is shown with it. A refused edit's text goes back in the box. */
  function changeRefused(message) {
    const change = changesSent.shift();
    if (change.edit !== undefined) composer.putBack(change.edit.trim());
    const text = change.text.length > 60 ? `${change.text.slice(0, 60)}…` : change.text;
    showSocketError(text ? `${message} (“${text}”)` : message);
  }

  function setStatus(text, kind) {
    status.textContent = text;
    status.dataset.state = kind;
    participants.stale(kind !== "online");
  }

  function showTyping(nickname) {
    clearTimeout(typers.get(nickname));
    typers.set(nickname, setTimeout(() => { typers.delete(nickname); renderTyping(); }, 4000));
    renderTyping();
  }

  function renderTyping() {
    typingLine.textContent = typers.size ? `${[...typers.keys()].join(", ")} ${t.tTyping}` : "";
  }

  /** A refusal that names no line of ours (a history request, say): shown for a while. */
  function showSocketError(message) {
    socketError.textContent = message;
    socketError.hidden = false;
    clearTimeout(showSocketError.timer);
    showSocketError.timer = setTimeout(() => { socketError.hidden = true; }, 6000);
  }

  function sendFrame(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  /** The room is closed to this page for good: say why, offer the way out, send nothing. */
  function closeForGood(why, kind) {
    closedForGood = true;
    setStatus(why, kind);
    status.hidden = true; // the notice says it, with the ways on
    if (kind === "left") participants.left(me); // the server may close before its notice
    closedNotice.querySelector(".why").textContent = why;
    closedNotice.querySelector(".enter-again").hidden = kind !== "left";
    closedNotice.hidden = false;
    document.querySelector(".room-actions").hidden = true;
    olderButton.hidden = true;
    composer.disable();
  }

  /** A line refused for good goes back into the box to be changed. */
  function editFailed(nonce) {
    composer.putBack(outbox.forget(nonce).trim());
    log.removeUnsent(nonce);
  }

  function discardFailed(nonce) {
    outbox.forget(nonce);
    log.removeUnsent(nonce);
  }

  /** A stored line; `fresh` when it is new to the reader (live, or missed while away). */
  function addMessage(m, fresh) {
    // Ours, stored: its grey line goes, and the next line waiting is sent.
    if (outbox.stored(m.nonce)) log.removeUnsent(m.nonce);
    const known = log.has(m.id);
    log.add(m);
    lastId = Math.max(lastId, m.id);
    if (fresh && !known && alerts.notifies(m, me, log.mentionsMe(m))) alerts.arrived(m);
  }

  /** An edit or delete: the line in place, and the change's id as the resume point. */
  function changeMessage(frame) {
    lastId = Math.max(lastId, frame.id);
    const answered = changesSent.findIndex((c) => c.id === frame.message.id);
    if (answered >= 0) changesSent.splice(answered, 1);
    log.replace(frame.message);
  }

  function onFrame(frame) {
    switch (frame.type) {
      case "welcome": {
        attempt = 0;
        setStatus(t.tConnected, "online");
        title.textContent = frame.room.title;
        alerts.setTitle(frame.room.title);
        participants.replace(frame.participants, frame.room.participant_count, frame.online_count, frame.participants_more);
        if (bans) bans.refresh();
        const resumed = lastId > 0;
        if (!resumed && atId) {
          // The line first: its neighbours come in the answer to this.
          edgeHistory = frame;
          hasNewer = true;
          loadingNewer = sendFrame({ type: "history", around: atId, limit: 50 });
          outbox.connected();
          break;
        }
        // A resume brings everything after the last line shown: the live edge again.
        hasNewer = false;
        heldLive = [];
        for (const m of frame.history) addMessage(m, resumed);
        if (!resumed) {
          hasMore = frame.has_more;
          olderButton.hidden = !hasMore;
          log.scrollToBottom();
        }
        readMarker.welcomed(frame.read_up_to);
        // Lines typed while offline, or sent but not answered: same nonce, stored once.
        outbox.connected();
        break;
      }
      case "message":
        if (hasNewer) {
          // Away from the live edge: shown in its place once the pages forward get there.
          heldLive.push(frame);
          if (outbox.stored(frame.nonce)) log.removeUnsent(frame.nonce);
          break;
        }
        addMessage(frame, true);
        typers.delete(frame.sender);
        renderTyping();
        break;
      case "history":
        if (frame.has_newer !== undefined) {
          newerArrived(frame);
          break;
        }
        loadingOlder = false;
        log.prependOlder(frame.messages);
        hasMore = frame.has_more;
        olderButton.hidden = !hasMore;
        readMarker.olderLoaded();
        break;
      case "read":
        readMarker.moved(frame.up_to);
        break;
      case "message_edited":
      case "message_deleted":
        changeMessage(frame);
        break;
      case "presence":
        participants.presence(frame.nickname, frame.online);
        break;
      case "participant":
        participants.joined(frame.nickname);
        break;
      case "participant_left":
        participants.left(frame.nickname);
        if (bans) bans.refresh();
        break;
      case "participant_page":
        participants.page(frame);
        break;
      case "headcount":
        participants.headcountMoved(frame.participants, frame.online);
        break;
      case "typing":
        showTyping(frame.nickname);
        break;
      case "room":
        title.textContent = frame.room.title;
        alerts.setTitle(frame.room.title);
        break;
      case "room_removed":
        closeForGood(t.tRemoved, "removed");
        break;
      case "error":
        if (outbox.refused(frame.nonce, frame.code, frame.message, frame.retry_after_ms)) break;
        if (!frame.nonce && changesSent.length) {
          changeRefused(frame.message);
        } else {
          // Not about a line: maybe the history or participants request, which may be asked
          // for again.
          loadingOlder = false;
          participants.requestFailed();
          if (loadingNewer && edgeHistory) showEdge();
          loadingNewer = false;
          showSocketError(frame.message);
        }
        break;
      default:
        break;
    }
  }

  function connect() {
    // Joins and leaves come as quiet lines of the log (docs/protocol.md "Joins and leaves").
    const query = lastId > 0 ? `?events=joins&after=${lastId}` : "?events=joins";
    const ws = new WebSocket(wsUrl(`/ws/chat/${roomId}/${query}`));
    socket = ws;
    ws.onmessage = (event) => {
      try {
        onFrame(JSON.parse(event.data));
      } catch (e) {
        console.error("bad frame", e);
      }
    };
    ws.onclose = (event) => {
      if (socket !== ws) return; // closed by the page itself (pagehide)
      socket = null;
      outbox.disconnected();
      loadingOlder = false;
      loadingNewer = false;
      changesSent.length = 0; // a new socket answers none of them
      if (closedForGood || navigatingAway) return;
      if (event.code === CLOSE.LEFT) {
        closeForGood(t.tLeft, "left");
        return;
      }
      if (event.code === CLOSE.BANNED) {
        closeForGood(t.tBanned, "banned");
        return;
      }
      if (event.code === CLOSE.DONE) {
        closeForGood(t.tRemoved, "removed");
        return;
      }
      if (event.code === CLOSE.LOGGED_OUT) {
        // Logged out elsewhere: the session is gone.
        location.href = `/accounts/login/?next=${encodeURIComponent(location.pathname)}`;
        return;
      }
      setStatus(t.tReconnecting, "offline");
      reconnectTimer = setTimeout(connect, event.code === CLOSE.RESTARTING ? 200 : backoff(attempt++));
    };
  }

  /** The answer to `around` (the first, with the line asked for) or `after`. */
  function newerArrived(frame) {
    const first = log.newestId() === null;
    loadingNewer = false;
    for (const m of frame.messages) addMessage(m, false);
    hasNewer = frame.has_newer;
    if (first) {
      edgeHistory = null;
      hasMore = frame.has_more;
      olderButton.hidden = !hasMore;
      log.highlight(atId);
    }
    if (!hasNewer) reachedLiveEdge();
  }

  /** The pages forward have caught up: the live lines held meanwhile follow them. */
  function reachedLiveEdge() {
    edgeHistory = null;
    const held = heldLive;
    heldLive = [];
    for (const m of held) {
      if (m.id > (log.newestId() || 0)) addMessage(m, true);
    }
  }

  /** The line asked for cannot be shown (not in this room): the newest lines instead. */
  function showEdge() {
    const welcome = edgeHistory;
    edgeHistory = null;
    hasNewer = false;
    for (const m of welcome.history) addMessage(m, false);
    hasMore = welcome.has_more;
    olderButton.hidden = !hasMore;
    reachedLiveEdge();
    log.scrollToBottom();
  }

  function loadNewer() {
    const after = log.newestId();
    if (!hasNewer || loadingNewer || after === null) return;
    loadingNewer = sendFrame({ type: "history", after, limit: 50 });
  }

  function loadOlder() {
    const before = log.oldestId();
    if (!hasMore || loadingOlder || before === null) return;
    loadingOlder = sendFrame({ type: "history", before, limit: 50 });
  }
  olderButton.addEventListener("click", loadOlder);
  document.getElementById("chat-log").addEventListener("scroll", (event) => {
    if (event.target.scrollTop < 20) loadOlder();
    if (log.nearBottom()) loadNewer();
  });

  const removeForm = document.getElementById("remove-form");
  if (removeForm) {
    removeForm.addEventListener("submit", (event) => {
      if (!window.confirm(removeForm.dataset.confirm)) event.preventDefault();
    });
  }
  // Listened to on the document, so after the forms' own listeners (Remove's confirmation).
  document.addEventListener("submit", (event) => {
    if (!event.defaultPrevented && event.target.id !== "send-form") navigatingAway = true;
  });

  // A page kept in the back/forward cache must not keep its socket: the user would stay
  // online in a room they went away from. Close it on the way in; on the way back, reconnect
  // and catch up with ?after=.
  window.addEventListener("pagehide", () => {
    clearTimeout(reconnectTimer);
    if (!socket) return;
    const ws = socket;
    socket = null;
    outbox.disconnected();
    loadingOlder = false;
    ws.close(1000, "page hidden"); // a normal closure: the server counts the user gone
  });
  window.addEventListener("pageshow", (event) => {
    if (!event.persisted || closedForGood || socket) return;
    navigatingAway = false;
    attempt = 0;
    setStatus(t.tConnecting, "connecting");
    connect();
  });

  setStatus(t.tConnecting, "connecting");
  connect();
})();
