// The live room's side column: polls (options named on their vote buttons) and chat, drawn in
// place by id like the rest of the room (room-render.js calls this; room-dom.js does the lists).
(function () {
  "use strict";

  const { el, attr, text, focusOn, reconcile, keyed } = window.LiveRoomDom;

  window.LiveRoomPolls = function (ctx) {
    const { root, T, MODERATOR, state, command, render, placeholder } = ctx;
    const $ = (selector) => root.querySelector(selector);

    // --- polls --------------------------------------------------------------------------------------

    const polls = keyed(createPoll, updatePoll);
    let pendingPollFocus = null;

    // A moderator who started a poll lands on it (its question is read out), now or when it arrives.
    function focusPoll(id) {
      pendingPollFocus = id;
      renderPolls();
    }

    function renderPolls() {
      const box = $("[data-live-polls]");
      const all = [...state.polls.values()].sort((a, b) => b.id - a.id);
      polls.keep(all.map((poll) => poll.id));
      const nodes = all.map((poll) => polls.get(poll.id, poll));
      reconcile([[box, nodes.length ? nodes : [placeholder(box, T.no_poll)]]]);
      if (pendingPollFocus !== null && polls.nodes.has(pendingPollFocus)) {
        focusOn(polls.nodes.get(pendingPollFocus));
        pendingPollFocus = null;
      }
    }

    function createPoll(poll) {
      const node = el("div", { class: "live-poll", "data-poll": poll.id, tabindex: "-1", "aria-labelledby": `live-poll-${poll.id}` },
        el("p", { class: "live-poll-question" }, el("strong", { id: `live-poll-${poll.id}` }), " ", el("span", { class: "badge badge-bad" }, T.poll_closed)),
        el("ul", { class: "live-poll-options" }),
        el("div", { class: "live-poll-footer" }));
      node.options = keyed((option) => createOption(poll.id, option), (li, option) => li.update(option));
      node.close = el("button", { type: "button", class: "button button-small button-danger", "data-poll-close": poll.id,
        "aria-describedby": `live-poll-${poll.id}`, onclick: () => command("poll_close", { poll_id: poll.id }) }, T.close_poll);
      return node;
    }

    function updatePoll(node, poll) {
      text(node.querySelector("strong"), poll.question);
      node.querySelector(".badge").hidden = poll.status !== "closed";
      node.poll = poll;
      reconcile([[node.querySelector(".live-poll-options"), poll.options.map((option) => node.options.get(option.id, option))]]);
      reconcile([[node.querySelector(".live-poll-footer"), MODERATOR && poll.status === "open" ? [node.close] : [], node]]);
    }

    function createOption(pollId, option) {
      const base = `live-poll-${pollId}-option-${option.id}`;
      const label = el("span", { class: "live-poll-label", id: base + "-label" });
      const count = el("span", { class: "live-poll-count" });
      const bar = el("span", { class: "live-poll-bar" });
      // The button's name is "Vote <option>" (its own text, then the option's label).
      const button = MODERATOR ? null : el("button", { type: "button", class: "button button-small button-ghost", "data-vote": option.id,
        id: base + "-vote", "aria-labelledby": `${base}-vote ${base}-label`, onclick: () => {
          if (button.getAttribute("aria-disabled") === "true") return;
          command("vote", { poll_id: pollId, option_id: option.id }, (reply) => {
            if (!reply.ok) return;
            state.myPollVotes.set(pollId, option.id);
            const known = state.polls.get(pollId);
            if (!known || (reply.poll.seq || 0) >= (known.seq || 0)) state.polls.set(pollId, reply.poll);
            render();
          });
        } });
      const li = el("li", null, button, label, count, el("span", { class: "live-poll-track" }, bar));
      li.update = (current) => {
        const poll = state.polls.get(pollId);
        const mine = state.myPollVotes.get(pollId);
        const share = poll.total ? Math.round((100 * current.votes) / poll.total) : 0;
        text(label, current.label);
        text(count, `${current.votes} ${T.votes} (${share}%)`);
        bar.style.width = share + "%";
        if (button) {
          text(button, mine === current.id ? `✓ ${T.voted}` : T.vote);
          attr(button, "aria-disabled", poll.status === "open" && !mine ? null : "true");
        }
      };
      return li;
    }

    // --- chat ---------------------------------------------------------------------------------------

    const chat = keyed((m) => el("li", { "data-message": m.id },
      el("span", { class: "live-author" }, m.author ? m.author.name : T.anonymous), " ", m.text), () => {});

    function renderChat() {
      const list = $("[data-live-chat]");
      const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
      const messages = [...state.chat.values()].sort((a, b) => a.id - b.id).slice(-200);
      chat.keep(messages.map((m) => m.id));
      reconcile([[list, messages.map((m) => chat.get(m.id, m))]]);
      if (atBottom) list.scrollTop = list.scrollHeight;
    }

    return { renderPolls, renderChat, focusPoll };
  };
})();
