// Suggestions as you type for search boxes marked data-suggest-url (the WAI-ARIA 1.2 combobox
// with a listbox popup). Typing asks the server (debounced, the previous request aborted) for
// field names and listing titles, shown in groups; Down and Up move through them (the focus
// stays in the box, aria-activedescendant names the option), Enter picks one (a title opens the
// listing, a field filters by it), Escape closes the list (a second Escape clears the box), Tab
// leaves it closed. Keys an input method composes with (pinyin before the characters are chosen)
// are its own. Progressive enhancement: without this file the box is a plain search box. Every
// text shown comes from the server, in the user's language.
(() => {
  const DELAY = 150;
  let counter = 0;

  function highlighted(item) {
    const fragment = document.createDocumentFragment();
    const text = item.text;
    if (!item.match) {
      fragment.append(text);
      return fragment;
    }
    const [start, end] = item.match;
    const mark = document.createElement("mark");
    mark.textContent = text.slice(start, end);
    fragment.append(text.slice(0, start), mark, text.slice(end));
    return fragment;
  }

  function setUp(input) {
    const id = `suggest-${++counter}`;
    const box = input.closest(".suggest-box") || input.parentElement;
    const list = document.createElement("ul");
    list.id = `${id}-list`;
    list.className = "suggest-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", input.labels && input.labels[0]
      ? input.labels[0].textContent.trim() : input.getAttribute("aria-label") || "");
    list.hidden = true;
    const status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    box.append(list, status);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("autocomplete", "off");

    let options = [];
    let active = -1;
    let timer = 0;
    let controller = null;
    let shownFor = null;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
      options.forEach((option) => option.setAttribute("aria-selected", "false"));
    }

    function open() {
      if (!options.length) return;
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function activate(index) {
      if (active >= 0) options[active].setAttribute("aria-selected", "false");
      active = index;
      if (index < 0) {
        input.removeAttribute("aria-activedescendant");
        return;
      }
      const option = options[index];
      option.setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    }

    function pick(option) {
      close();
      input.value = option.dataset.text;
      window.location.assign(option.dataset.url);
    }

    function render(body) {
      list.replaceChildren();
      options = [];
      active = -1;
      body.groups.forEach((group, number) => {
        const wrapper = document.createElement("li");
        wrapper.setAttribute("role", "presentation");
        const items = document.createElement("ul");
        items.setAttribute("role", "group");
        items.className = `suggest-group suggest-${group.kind}`;
        const label = document.createElement("li");
        label.id = `${id}-group-${number}`;
        label.className = "suggest-label";
        label.setAttribute("role", "presentation");
        label.textContent = group.label;
        items.setAttribute("aria-labelledby", label.id);
        items.append(label);
        group.items.forEach((item) => {
          const option = document.createElement("li");
          option.id = `${id}-option-${options.length}`;
          option.className = "suggest-option";
          option.setAttribute("role", "option");
          option.setAttribute("aria-selected", "false");
          option.dataset.url = item.url;
          option.dataset.text = item.text;
          option.append(highlighted(item));
          options.push(option);
          items.append(option);
        });
        wrapper.append(items);
        list.append(wrapper);
      });
      status.textContent = body.status;
      if (options.length && document.activeElement === input) open();
      else close();
    }

    async function fetchFor(text) {
      if (controller) controller.abort();
      controller = new AbortController();
      const url = new URL(input.dataset.suggestUrl, window.location.href);
      url.searchParams.set("q", text);
      try {
        const response = await fetch(url, {
          headers: { Accept: "application/json" }, signal: controller.signal,
          credentials: "same-origin",
        });
        if (!response.ok) return;
        const body = await response.json();
        if (input.value.trim() !== text) return; // typed on since: a newer request follows
        shownFor = text;
        render(body);
      } catch (error) {
        if (error.name !== "AbortError") close();
      }
    }

    function typed() {
      window.clearTimeout(timer);
      const text = input.value.trim();
      if (!text) {
        if (controller) controller.abort();
        shownFor = null;
        options = [];
        list.replaceChildren();
        status.textContent = "";
        close();
        return;
      }
      timer = window.setTimeout(() => fetchFor(text), DELAY);
    }

    // While an input method composes (pinyin letters before the characters are chosen), wait:
    // the text counts once it is committed.
    input.addEventListener("input", (event) => {
      if (!event.isComposing) typed();
    });
    input.addEventListener("compositionend", typed);

    input.addEventListener("keydown", (event) => {
      if (event.isComposing || event.keyCode === 229) return; // the input method's own keys
      const expanded = !list.hidden;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!options.length) return;
        event.preventDefault();
        if (!expanded) {
          open();
          if (event.altKey) return;
        }
        const step = event.key === "ArrowDown" ? 1 : -1;
        let next = active + step;
        if (next >= options.length) next = 0;
        if (next < -1) next = options.length - 1;
        if (active === -1 && step === -1) next = options.length - 1;
        activate(next);
      } else if (event.key === "Enter") {
        if (expanded && active >= 0) {
          event.preventDefault();
          pick(options[active]);
        }
      } else if (event.key === "Escape") {
        if (expanded) {
          event.preventDefault();
          close();
        } else if (input.value) {
          event.preventDefault();
          input.value = "";
          input.dispatchEvent(new Event("input"));
        }
      } else if (event.key === "Tab") {
        close();
      }
    });

    input.addEventListener("focus", () => {
      if (shownFor !== null && shownFor === input.value.trim()) open();
    });
    input.addEventListener("blur", () => window.setTimeout(close, 0));
    // A press on an option keeps the focus in the box; releasing it picks the option.
    list.addEventListener("mousedown", (event) => event.preventDefault());
    list.addEventListener("click", (event) => {
      const option = event.target.closest("[role=option]");
      if (option) pick(option);
    });
  }

  function start() {
    document.querySelectorAll("input[data-suggest-url]").forEach(setUp);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
