// The live room of a roadshow: a Socket.IO client of the /live namespace (protocol: docs/realtime.md).
//
// State comes from a snapshot (after a load or when too far behind) or a replay (after a reconnect),
// then from numbered events applied strictly in order: a missing number is fetched with "sync".
// Questions and chat messages get a UUID, wait in an outbox (kept in sessionStorage, so a reload
// re-sends them) until the server's ack, and are re-sent with the same UUID after a reconnect.
(function () {
  "use strict";

  const root = document.getElementById("live-room");
  if (!root || typeof window.io !== "function") return;
  const T = JSON.parse(root.dataset.strings);
  const ROADSHOW = Number(root.dataset.roadshow);
  const MODERATOR = root.dataset.moderator === "true";
  const OUTBOX_KEY = "live-outbox-" + ROADSHOW;
  const ACK_TIMEOUT = 8000;
  const GAP_WAIT = 400;
  // A quiet room still checks now and then that it missed nothing (a broadcast lost between
  // processes shows up as a hole only at the next event).
  const CHECK_EVERY = 30000;
  const $ = (selector) => root.querySelector(selector);

  const state = {
    seq: 0, synced: false, buffer: new Map(), gapTimer: null,
    room: null, agenda: [], questions: new Map(), polls: new Map(), chat: new Map(),
    myVotes: new Set(), myPollVotes: new Map(), myInterests: new Set(), interestCounts: {},
  };

  // --- the connection ---------------------------------------------------------------------------

  const socket = window.io("/live", {
    transports: ["websocket", "polling"], tryAllTransports: true,
    auth: { roadshow: ROADSHOW }, reconnectionDelayMax: 10000,
  });

  socket.on("connect", () => {
    setConnection(T.connected);
    sync(state.synced ? state.seq : null);
  });
  socket.on("disconnect", (reason) => {
    state.synced = false;
    if (reason === "io server disconnect") {
      // The server closed the connection because what this user may do in the room changed on
      // a page (registration cancelled, moderator added or removed): the page decides afresh.
      // The outbox is in sessionStorage, so nothing unsent is lost.
      window.location.reload();
      return;
    }
    setConnection(T.reconnecting);
  });
  socket.on("connect_error", (error) => {
    const data = (error && error.data) || {};
    if (data.code) {
      // The server refused this user (docs/realtime.md §2): trying again changes nothing, so stop
      // reconnecting and say why, with the next step (log in, register, wait for approval).
      socket.disconnect();
      setConnection(T.refused);
      refused(error.message || T.refused, data.next_url, data.next_label);
    } else {
      setConnection(T.reconnecting);
    }
  });
  socket.on("event", (event) => receive(event));
  socket.on("presence", (data) => { $("[data-live-presence]").textContent = String(data.count); });

  function sync(after) {
    state.synced = false;
    socket.timeout(ACK_TIMEOUT).emit("sync", { after: after }, (error, reply) => {
      if (error || !reply || !reply.ok) { setTimeout(() => sync(after), 2000); return; }
      if (reply.mode === "snapshot") {
        load(reply.snapshot);
      } else {
        reply.events.forEach((event) => { if (event.seq === state.seq + 1) apply(event); });
      }
      state.synced = true;
      drain();
      render();
      flushOutbox();
    });
  }

  function receive(event) {
    if (event.seq <= state.seq) return;  // seen (another view of the same number, or a replay)
    state.buffer.set(event.seq, state.buffer.get(event.seq) || event);
    if (!state.synced) return;
    drain();
    render();
    if (state.buffer.size && !state.gapTimer) {
      // A number is missing: it may still be on its way (another process); else fetch it.
      state.gapTimer = setTimeout(() => {
        state.gapTimer = null;
        if (state.buffer.size && state.synced) sync(state.seq);
      }, GAP_WAIT);
    }
  }

  function drain() {
    for (const number of [...state.buffer.keys()]) if (number <= state.seq) state.buffer.delete(number);
    while (state.buffer.has(state.seq + 1)) {
      const event = state.buffer.get(state.seq + 1);
      state.buffer.delete(state.seq + 1);
      apply(event);
    }
  }

  // --- applying state ---------------------------------------------------------------------------

  function load(snapshot) {
    state.seq = snapshot.seq;
    state.room = snapshot.room;
    state.agenda = snapshot.agenda;
    state.questions = new Map(snapshot.questions.map((q) => [q.id, q]));
    state.polls = new Map(snapshot.polls.map((p) => [p.id, p]));
    state.chat = new Map(snapshot.chat.map((m) => [m.id, m]));
    state.myVotes = new Set(snapshot.my_votes);
    state.myPollVotes = new Map(snapshot.polls.filter((p) => p.my_vote).map((p) => [p.id, p.my_vote]));
    state.myInterests = new Set(snapshot.my_interests);
    state.interestCounts = snapshot.interest_counts || {};
    $("[data-live-presence]").textContent = String(snapshot.presence);
  }

  function newer(known, incoming) { return !known || (incoming.seq || 0) >= (known.seq || 0); }

  function apply(event) {
    state.seq = event.seq;
    switch (event.type) {
      case "room.state":
        if (newer(state.room, event)) state.room = event;
        break;
      case "question.created":
      case "question.updated": {
        const known = state.questions.get(event.question.id);
        if (newer(known, event.question)) {
          state.questions.set(event.question.id, { ...event.question, mine: event.question.mine || (known && known.mine) });
        }
        break;
      }
      case "question.removed":
        state.questions.delete(event.question_id);
        break;
      case "chat.message":
        state.chat.set(event.message.id, event.message);
        break;
      case "poll.updated":
        if (newer(state.polls.get(event.poll.id), event.poll)) state.polls.set(event.poll.id, event.poll);
        break;
      case "interest.counts":
        state.interestCounts = event.counts;
        break;
      default:  // "noop": a number whose event this viewer may not see
        break;
    }
  }

  // --- sending with acks: the outbox --------------------------------------------------------------

  function loadOutbox() {
    try { return JSON.parse(sessionStorage.getItem(OUTBOX_KEY) || "[]"); } catch (e) { return []; }
  }
  function saveOutbox(items) { sessionStorage.setItem(OUTBOX_KEY, JSON.stringify(items)); }

  function enqueue(event, data, onAck) {
    const item = { event: event, data: { ...data, uuid: newUuid() } };
    saveOutbox(loadOutbox().concat([item]));
    send(item, onAck);
  }

  function send(item, onAck) {
    if (!socket.connected) return;  // flushed after the next sync
    socket.timeout(ACK_TIMEOUT).emit(item.event, item.data, (error, reply) => {
      if (error) return;  // no ack: stays in the outbox and is re-sent with the same UUID
      saveOutbox(loadOutbox().filter((other) => other.data.uuid !== item.data.uuid));
      if (onAck) onAck(reply); else if (!reply.ok) notice(reply.message);
    });
  }

  function flushOutbox() { loadOutbox().forEach((item) => send(item, null)); }

  // Re-send what is still unacknowledged (the ack may have been lost without a disconnect), and
  // catch up in a quiet room.
  setInterval(() => {
    if (!socket.connected || !state.synced) return;
    flushOutbox();
    sync(state.seq);
  }, CHECK_EVERY + Math.floor(Math.random() * 15000));

  function newUuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40; bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  function command(event, data, done) {
    socket.timeout(ACK_TIMEOUT).emit(event, data || {}, (error, reply) => {
      if (error) { notice(T.error); return; }
      if (!reply.ok) notice(reply.message);
      else hideNotice();
      if (done) done(reply);
    });
  }

  // --- rendering ----------------------------------------------------------------------------------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([key, value]) => {
      if (value === null || value === undefined || value === false) return;
      if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    });
    children.flat().forEach((child) => {
      if (child !== null && child !== undefined && child !== false) {
        node.append(child instanceof Node ? child : document.createTextNode(String(child)));
      }
    });
    return node;
  }

  function render() {
    renderRoom();
    renderQuestions();
    renderPolls();
    renderChat();
  }

  function renderRoom() {
    const room = state.room;
    if (!room) return;
    $("[data-live-status]").textContent = T["status_" + room.status] || room.status;
    const box = $("[data-live-presented]");
    const listing = room.presented;
    box.replaceChildren(listing
      ? el("p", { class: "live-listing" }, el("a", { href: listing.url, target: "_blank", rel: "noopener" }, listing.title),
           listing.university ? el("span", { class: "muted" }, " · " + listing.university) : null,
           MODERATOR && state.interestCounts[String(listing.id)]
             ? el("span", { class: "badge badge-ok" }, `${state.interestCounts[String(listing.id)]} ${T.interest_count}`) : null)
      : el("p", { class: "muted" }, T.nothing_presented));
    const interest = $("[data-live-interest]");
    if (interest) {
      const done = listing && state.myInterests.has(listing.id);
      interest.hidden = !listing || done || room.status === "ended";
      $("[data-live-interest-done]").hidden = !done;
    }
    const open = room.qa_open && (room.status === "live" || room.status === "published");
    $("[data-live-ask-form] button").disabled = !open;
    $("[data-live-qa-closed]").hidden = open;
    if (MODERATOR) renderControls(room);
  }

  function renderControls(room) {
    const goLive = $('[data-live-action="go_live"]');
    const end = $('[data-live-action="end"]');
    goLive.hidden = room.status !== "published";
    end.hidden = room.status !== "live";
    $('[data-live-action="qa"]').textContent = room.qa_open ? T.close_qa : T.open_qa;
    $('[data-live-action="moderation"]').textContent = room.moderated ? T.moderation_off : T.moderation_on;
    const presented = room.presented && room.presented.id;
    $("[data-live-agenda]").replaceChildren(...state.agenda.map((item) => el("li", { class: item.listing_id === presented ? "current" : null },
      el("span", null, item.title, el("span", { class: "muted" }, " · " + item.presenter)),
      item.listing_id === presented
        ? el("span", { class: "badge badge-info" }, T.presenting)
        : el("button", { type: "button", class: "button button-small button-ghost", "data-present": item.listing_id,
                         onclick: () => command("present", { listing_id: item.listing_id }) }, T.present))));
  }

  function sortQuestions(list) {
    return list.sort((a, b) => (b.pinned - a.pinned) || (b.upvotes - a.upvotes) || (a.id - b.id));
  }

  function renderQuestions() {
    const all = [...state.questions.values()];
    const shown = sortQuestions(all.filter((q) => q.status === "approved" || (!MODERATOR && q.status === "pending")));
    const list = $("[data-live-questions]");
    list.replaceChildren(...shown.map(questionItem));
    if (!shown.length) list.append(el("li", { class: "muted" }, T.no_questions));
    if (MODERATOR) {
      const pending = all.filter((q) => q.status === "pending").sort((a, b) => a.id - b.id);
      $("[data-live-pending]").replaceChildren(...(pending.length ? pending.map(questionItem) : [el("li", { class: "muted" }, T.no_pending)]));
      $("[data-live-hidden]").replaceChildren(...all.filter((q) => q.status === "hidden").map(questionItem));
    }
  }

  function questionItem(q) {
    const who = q.author ? q.author.name + (q.author.org ? " · " + q.author.org : "") : T.anonymous;
    const item = el("li", { class: "live-question" + (q.pinned ? " pinned" : ""), "data-question": q.id },
      el("div", { class: "live-question-head" },
        el("span", { class: "live-author" }, who, q.anonymous && q.author ? ` (${T.anonymous})` : ""),
        q.pinned ? el("span", { class: "badge badge-info" }, T.pinned) : null,
        q.status === "pending" ? el("span", { class: "badge badge-wait" }, q.mine && !MODERATOR ? T.pending_mine : T.pending) : null,
        q.status === "hidden" ? el("span", { class: "badge badge-bad" }, T.hidden) : null,
        q.answer ? el("span", { class: "badge badge-ok" }, T.answered) : null),
      el("p", { class: "live-question-text" }, q.text),
      q.answer ? el("p", { class: "live-answer" }, el("strong", null, T.answer_prefix), q.answer) : null,
      el("div", { class: "live-question-actions" }, questionButtons(q)));
    return item;
  }

  function questionButtons(q) {
    const buttons = [];
    const voted = state.myVotes.has(q.id);
    if (q.status === "approved") {
      buttons.push(el("button", { type: "button", class: "button button-small button-ghost live-upvote", disabled: voted || state.room.status === "ended",
        "aria-pressed": voted ? "true" : "false", "data-upvote": q.id,
        onclick: () => command("upvote", { question_id: q.id }, (reply) => { if (reply.ok || reply.error === "already_voted") { state.myVotes.add(q.id); render(); } }) },
        `▲ ${q.upvotes} ${voted ? T.upvoted : T.upvote}`));
    }
    if (!MODERATOR) return buttons;
    const act = (event, label, data, cls) => el("button", { type: "button", class: "button button-small " + (cls || "button-ghost"), "data-act": event,
      onclick: () => command(event, { question_id: q.id, ...(data || {}) }) }, label);
    if (q.status === "pending") buttons.push(act("approve", T.approve, null, ""));
    if (q.status !== "hidden") buttons.push(act("hide", T.hide, null, "button-danger"));
    if (q.status === "hidden") buttons.push(act("restore", T.restore));
    if (q.status === "approved") buttons.push(act("pin", q.pinned ? T.unpin : T.pin, { pinned: !q.pinned }));
    if (q.status !== "hidden") {
      const form = el("form", { class: "live-answer-form", "data-answer-form": q.id });
      const field = el("textarea", { name: "answer", rows: "2", maxlength: "1000", placeholder: T.answer_placeholder, "aria-label": T.answer_label });
      field.value = q.answer || "";
      form.append(field, el("button", { type: "submit", class: "button button-small" }, T.answer_button));
      form.addEventListener("submit", (e) => { e.preventDefault(); command("answer", { question_id: q.id, text: field.value }); });
      buttons.push(form);
    }
    return buttons;
  }

  function renderPolls() {
    const polls = [...state.polls.values()].sort((a, b) => b.id - a.id);
    const box = $("[data-live-polls]");
    if (!polls.length) return;
    box.replaceChildren(...polls.map((poll) => {
      const mine = state.myPollVotes.get(poll.id);
      const canVote = poll.status === "open" && !mine && !MODERATOR;
      return el("div", { class: "live-poll", "data-poll": poll.id },
        el("p", { class: "live-poll-question" }, el("strong", null, poll.question), " ",
           poll.status === "closed" ? el("span", { class: "badge badge-bad" }, T.poll_closed) : null),
        el("ul", { class: "live-poll-options" }, poll.options.map((option) => {
          const share = poll.total ? Math.round((100 * option.votes) / poll.total) : 0;
          const bar = el("span", { class: "live-poll-bar" });
          bar.style.width = share + "%";
          return el("li", null,
            canVote ? el("button", { type: "button", class: "button button-small button-ghost", "data-vote": option.id,
              onclick: () => command("vote", { poll_id: poll.id, option_id: option.id }, (reply) => {
                if (reply.ok) { state.myPollVotes.set(poll.id, option.id); if (newer(state.polls.get(poll.id), reply.poll)) state.polls.set(poll.id, reply.poll); render(); }
              }) }, T.vote) : null,
            el("span", { class: "live-poll-label" }, option.label, mine === option.id ? ` ✓ ${T.voted}` : ""),
            el("span", { class: "live-poll-count" }, `${option.votes} ${T.votes} (${share}%)`),
            el("span", { class: "live-poll-track" }, bar));
        })),
        MODERATOR && poll.status === "open"
          ? el("button", { type: "button", class: "button button-small button-danger", onclick: () => command("poll_close", { poll_id: poll.id }) }, T.close_poll)
          : null);
    }));
  }

  function renderChat() {
    const list = $("[data-live-chat]");
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    const messages = [...state.chat.values()].sort((a, b) => a.id - b.id).slice(-200);
    list.replaceChildren(...messages.map((m) => el("li", null,
      el("span", { class: "live-author" }, m.author ? m.author.name : T.anonymous), " ", m.text)));
    if (atBottom) list.scrollTop = list.scrollHeight;
  }

  // --- status lines -------------------------------------------------------------------------------

  function setConnection(text) { $("[data-live-connection]").textContent = text; }
  function notice(text) { const box = $("[data-live-notice]"); box.textContent = text || T.error; box.hidden = false; }
  function hideNotice() { $("[data-live-notice]").hidden = true; }
  function refused(text, nextUrl, nextLabel) {
    const box = $("[data-live-notice]");
    box.replaceChildren(el("span", {}, text));
    // Only a path on this site: the link comes from the server, but never leads elsewhere.
    if (nextUrl && nextUrl.startsWith("/") && !nextUrl.startsWith("//")) {
      box.append(" ", el("a", { href: nextUrl, class: "button button-small live-next" }, nextLabel || nextUrl));
    }
    box.hidden = false;
    root.classList.add("live-refused");  // app.css hides the room; its controls are disabled too
    root.querySelectorAll("form button, form input, form textarea, button[data-live-action], [data-live-interest]")
      .forEach((control) => { control.disabled = true; });
  }

  let throttleTimer = null;
  function throttled(reply) {
    const line = $("[data-live-throttle]");
    line.textContent = reply.message;
    line.hidden = false;
    clearTimeout(throttleTimer);
    throttleTimer = setTimeout(() => { line.hidden = true; }, (reply.retry_after || 5) * 1000);
  }

  // --- forms and buttons --------------------------------------------------------------------------

  $("[data-live-ask-form]").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const text = form.elements.text.value.trim();
    if (!text) return;
    enqueue("ask", { text: text, anonymous: form.elements.anonymous.checked }, (reply) => {
      if (!reply.ok) { notice(reply.message); return; }
      hideNotice();
      const known = state.questions.get(reply.question.id);
      if (newer(known, reply.question)) state.questions.set(reply.question.id, reply.question);
      render();
    });
    form.elements.text.value = "";
  });

  $("[data-live-chat-form]").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = event.currentTarget.elements.text;
    const text = input.value.trim();
    if (!text) return;
    enqueue("chat", { text: text }, (reply) => {
      if (reply.ok) return;
      if (reply.error === "rate_limited") { throttled(reply); input.value = input.value || text; } else notice(reply.message);
    });
    input.value = "";
  });

  const interest = $("[data-live-interest]");
  if (interest) {
    interest.addEventListener("click", () => {
      const listing = state.room && state.room.presented;
      if (!listing) return;
      command("interest", { listing_id: listing.id }, (reply) => {
        if (reply.ok) { state.myInterests.add(listing.id); render(); }
      });
    });
  }

  if (MODERATOR) {
    $('[data-live-action="go_live"]').addEventListener("click", () => command("go_live"));
    $('[data-live-action="end"]').addEventListener("click", () => { if (window.confirm(T.confirm_end)) command("end"); });
    $('[data-live-action="qa"]').addEventListener("click", () => command("qa", { open: !state.room.qa_open }));
    $('[data-live-action="moderation"]').addEventListener("click", () => command("moderation", { on: !state.room.moderated }));
    $("[data-live-poll-form]").addEventListener("submit", (event) => {
      event.preventDefault();
      const form = event.currentTarget;
      const options = form.elements.options.value.split("\n").map((line) => line.trim()).filter(Boolean);
      command("poll_open", { question: form.elements.question.value, options: options }, (reply) => {
        if (reply.ok) { form.reset(); form.closest("details").open = false; }
      });
    });
  }
})();
