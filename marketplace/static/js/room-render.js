// Drawing the live room from its state (room.js owns the connection and the state).
//
// Every question, message, poll, option and agenda item is one element kept by its id and
// updated in place: an event changes only what it changed, a field being typed in is never
// rewritten, and the control a user pressed stays focused (see room-dom.js for lists).
(function () {
  "use strict";

  const { el, attr, text, focused, focusOn, reconcile, keyed } = window.LiveRoomDom;

  window.LiveRoomRender = function (ctx) {
    const { root, T, MODERATOR, state, command, announce } = ctx;
    const $ = (selector) => root.querySelector(selector);
    const empty = new Map();  // one placeholder per list ("No questions yet.")

    // The template's own placeholder of a list, or one made here.
    function placeholder(list, label) {
      if (!empty.has(list)) {
        empty.set(list, list.querySelector(":scope > [data-empty]") ||
          el(list.tagName === "DIV" ? "p" : "li", { class: "muted", "data-empty": true }, label));
      }
      return empty.get(list);
    }

    function render() {
      // A control that disappears for a reason no handler expects (the room ended, Q&A closed)
      // leaves focus at the top of its card rather than on <body>.
      const before = focused();
      const card = before && root.contains(before) ? before.closest(".card") : null;
      renderRoom();
      renderQuestions();
      renderPolls();
      renderChat();
      if (card && !focused() && card.isConnected) focusOn(card.querySelector("h2") || card);
    }

    // --- the room: status, presented listing, controls --------------------------------------------

    const presented = keyed(
      (listing) => {
        const badge = el("span", { class: "badge badge-ok", "data-live-interest-count": true });
        return el("p", { class: "live-listing", "data-listing": listing.id },
          el("a", { href: listing.url, target: "_blank", rel: "noopener" }, listing.title),
          listing.university ? el("span", { class: "muted" }, " · " + listing.university) : null, " ", badge);
      },
      (node, listing) => {
        const count = state.interestCounts[String(listing.id)];
        const badge = node.querySelector("[data-live-interest-count]");
        badge.hidden = !(MODERATOR && count);
        text(badge, count ? `${count} ${T.interest_count}` : "");
      });

    function renderRoom() {
      const room = state.room;
      if (!room) return;
      text($("[data-live-status]"), T["status_" + room.status] || room.status);
      const listing = room.presented;
      const box = $("[data-live-presented]");
      const nodes = listing ? [presented.get(listing.id, listing)] : [placeholder(box, T.nothing_presented)];
      presented.keep(listing ? [listing.id] : []);
      reconcile([[box, nodes]]);
      const interest = $("[data-live-interest]");
      if (interest) {
        const done = listing && state.myInterests.has(listing.id);
        const had = focused() === interest;
        interest.hidden = !listing || done || room.status === "ended";
        const confirmation = $("[data-live-interest-done]");
        confirmation.hidden = !done;
        // "I'm interested" gives way to its confirmation, which takes the focus and is read out.
        if (had && done) focusOn(confirmation);
      }
      const open = room.qa_open && (room.status === "live" || room.status === "published");
      $("[data-live-ask-form] button").disabled = !open;
      $("[data-live-qa-closed]").hidden = open;
      if (MODERATOR) renderControls(room);
    }

    const agenda = keyed(
      (item) => {
        const title = el("span", { id: `live-agenda-${item.listing_id}` }, item.title);
        const button = el("button", { type: "button", class: "button button-small button-ghost", "data-present": item.listing_id,
          id: `live-agenda-${item.listing_id}-button`, "aria-labelledby": `live-agenda-${item.listing_id}-button live-agenda-${item.listing_id}`,
          onclick: () => { if (button.getAttribute("aria-disabled") !== "true") command("present", { listing_id: item.listing_id }); } });
        return el("li", { "data-agenda": item.listing_id }, el("span", null, title, el("span", { class: "muted" }, " · " + item.presenter)), button);
      },
      (node, item) => {
        const current = state.room && state.room.presented && state.room.presented.id === item.listing_id;
        node.classList.toggle("current", Boolean(current));
        attr(node, "aria-current", current ? "true" : null);
        const button = node.querySelector("[data-present]");
        text(button, current ? T.presenting : T.present);
        attr(button, "aria-disabled", current ? "true" : null);
        button.classList.toggle("button-ghost", !current);
      });

    function renderControls(room) {
      // Going live or ending hides the button just pressed: focus moves to the room's status,
      // which reads the new state.
      const had = focused();
      const goLive = $('[data-live-action="go_live"]');
      const end = $('[data-live-action="end"]');
      goLive.hidden = room.status !== "published";
      end.hidden = room.status !== "live";
      if (had && (had === goLive || had === end) && had.hidden) focusOn($("[data-live-status]"));
      text($('[data-live-action="qa"]'), room.qa_open ? T.close_qa : T.open_qa);
      text($('[data-live-action="moderation"]'), room.moderated ? T.moderation_off : T.moderation_on);
      agenda.keep(state.agenda.map((item) => item.listing_id));
      reconcile([[$("[data-live-agenda]"), state.agenda.map((item) => agenda.get(item.listing_id, item))]]);
    }

    // --- questions ----------------------------------------------------------------------------------

    function sortQuestions(list) {
      return list.sort((a, b) => (b.pinned - a.pinned) || (b.upvotes - a.upvotes) || (a.id - b.id));
    }

    const questions = keyed(createQuestion, updateQuestion);

    function renderQuestions() {
      const all = [...state.questions.values()];
      questions.keep(all.map((q) => q.id));
      const shown = sortQuestions(all.filter((q) => q.status === "approved" || (!MODERATOR && q.status === "pending")));
      const list = $("[data-live-questions]");
      const jobs = [[list, shown.length ? shown.map((q) => questions.get(q.id, q)) : [placeholder(list, T.no_questions)]]];
      if (MODERATOR) {
        const pending = all.filter((q) => q.status === "pending").sort((a, b) => a.id - b.id);
        const queue = $("[data-live-pending]");
        jobs.push([queue, pending.length ? pending.map((q) => questions.get(q.id, q)) : [placeholder(queue, T.no_pending)]]);
        const hidden = all.filter((q) => q.status === "hidden").sort((a, b) => a.id - b.id);
        jobs.push([$("[data-live-hidden]"), hidden.map((q) => questions.get(q.id, q))]);
      }
      reconcile(jobs);
    }

    function createQuestion(q) {
      const textId = `live-question-${q.id}-text`;
      const node = el("li", { class: "live-question", "data-question": q.id, tabindex: "-1", "aria-labelledby": textId },
        el("div", { class: "live-question-head" }),
        el("p", { class: "live-question-text", id: textId }),
        el("div", { "data-answer-slot": true }),
        el("div", { class: "live-question-actions" }));
      node.controls = keyed((q, kind) => questionControl(kind, q.id, textId), (control, data) => control.update(data));
      return node;
    }

    function updateQuestion(node, q) {
      node.classList.toggle("pinned", Boolean(q.pinned));
      const who = q.author ? q.author.name + (q.author.org ? " · " + q.author.org : "") : T.anonymous;
      node.querySelector(".live-question-head").replaceChildren(...[
        el("span", { class: "live-author" }, who, q.anonymous && q.author ? ` (${T.anonymous})` : ""),
        q.pinned ? el("span", { class: "badge badge-info" }, T.pinned) : null,
        q.status === "pending" ? el("span", { class: "badge badge-wait" }, q.mine && !MODERATOR ? T.pending_mine : T.pending) : null,
        q.status === "hidden" ? el("span", { class: "badge badge-bad" }, T.hidden) : null,
        q.answer ? el("span", { class: "badge badge-ok" }, T.answered) : null].filter(Boolean));
      text(node.querySelector(".live-question-text"), q.text);
      const slot = node.querySelector("[data-answer-slot]");
      const shown = slot.dataset.answer || "";
      if (shown !== (q.answer || "")) {
        slot.dataset.answer = q.answer || "";
        slot.replaceChildren(q.answer ? el("p", { class: "live-answer" }, el("strong", null, T.answer_prefix), q.answer) : "");
      }
      const kinds = [];
      if (q.status === "approved") kinds.push("upvote");
      if (MODERATOR) {
        if (q.status === "pending") kinds.push("approve");
        if (q.status !== "hidden") kinds.push("hide");
        if (q.status === "hidden") kinds.push("restore");
        if (q.status === "approved") kinds.push("pin");
        if (q.status !== "hidden") kinds.push("answer");
      }
      node.controls.keep(kinds);
      reconcile([[node.querySelector(".live-question-actions"), kinds.map((kind) => node.controls.get(kind, q)), node]]);
    }

    const MODERATION = {
      approve: { label: "approve", cls: "", done: "announce_approved" },
      hide: { label: "hide", cls: "button-danger", done: "announce_hidden" },
      restore: { label: "restore", cls: "button-ghost", done: "announce_restored" },
    };

    // One control of a question; `update(q)` keeps it current without replacing it.
    function questionControl(kind, id, textId) {
      if (kind === "upvote") {
        const button = el("button", { type: "button", class: "button button-small button-ghost live-upvote", "data-upvote": id,
          "aria-describedby": textId, onclick: () => {
            if (button.getAttribute("aria-disabled") === "true") return;
            command("upvote", { question_id: id }, (reply) => {
              if (reply.ok || reply.error === "already_voted") { state.myVotes.add(id); render(); }
            });
          } });
        button.update = (q) => {
          const voted = state.myVotes.has(q.id);
          text(button, `▲ ${q.upvotes} ${voted ? T.upvoted : T.upvote}`);
          attr(button, "aria-pressed", voted ? "true" : "false");
          // aria-disabled, not disabled: a disabled button loses the focus it holds.
          attr(button, "aria-disabled", voted || state.room.status === "ended" ? "true" : null);
        };
        return button;
      }
      if (kind === "pin") {
        const button = el("button", { type: "button", class: "button button-small button-ghost", "data-act": "pin", "aria-describedby": textId });
        button.update = (q) => { text(button, q.pinned ? T.unpin : T.pin); button.pinned = q.pinned; };
        button.addEventListener("click", () => command("pin", { question_id: id, pinned: !button.pinned }));
        return button;
      }
      if (kind === "answer") return answerForm(id, textId);
      const spec = MODERATION[kind];
      const button = el("button", { type: "button", class: "button button-small " + spec.cls, "data-act": kind, "aria-describedby": textId,
        onclick: () => command(kind, { question_id: id }, (reply) => { if (reply.ok) announce(T[spec.done]); }) }, T[spec.label]);
      button.update = () => {};
      return button;
    }

    function answerForm(id, textId) {
      const field = el("textarea", { name: "answer", rows: "2", maxlength: "1000", placeholder: T.answer_placeholder,
        "aria-label": T.answer_label, "aria-describedby": textId });
      field.dataset.synced = "";
      const form = el("form", { class: "live-answer-form", "data-answer-form": id }, field,
        el("button", { type: "submit", class: "button button-small" }, T.answer_button));
      form.addEventListener("submit", (e) => {
        e.preventDefault();
        command("answer", { question_id: id, text: field.value }, (reply) => { if (reply.ok) announce(T.announce_answered); });
      });
      form.update = (q) => {
        // Someone typing here keeps their text: only an untouched, unfocused field follows the server.
        const server = q.answer || "";
        const editing = field === document.activeElement || field.value !== field.dataset.synced;
        if (!editing) field.value = server;
        if (!editing || field.value === server) field.dataset.synced = server;
      };
      return form;
    }

    const side = window.LiveRoomPolls({ ...ctx, render, placeholder });
    const { renderPolls, renderChat, focusPoll } = side;

    return { render, focusPoll };
  };
})();
