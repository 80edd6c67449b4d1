// DOM helpers of the live room (room-render.js, room.js): build elements, and update lists in place
// by key without ever moving the element that holds the focus.
//
// Moving or removing a node that contains the focused control blurs it (focus falls to <body>),
// so a keyed update moves the *other* nodes around the focused one, and when the focused node
// has to go, focus moves to the item that took its place, else to the list's fallback (its heading).
(function () {
  "use strict";

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

  function focused() {
    const active = document.activeElement;
    return active && active !== document.body ? active : null;
  }

  // Set an attribute, or remove it for null/false; touch the DOM only when the value changes.
  function attr(node, name, value) {
    if (value === null || value === undefined || value === false) {
      if (node.hasAttribute(name)) node.removeAttribute(name);
    } else {
      const text = value === true ? "" : String(value);
      if (node.getAttribute(name) !== text) node.setAttribute(name, text);
    }
  }

  function text(node, value) {
    if (node.textContent !== value) node.textContent = value;
  }

  // Where focus goes when the focused item of `list` is taken away: the item now at its place,
  // else the last item, else the list's fallback (data-fallback: an element id, or `fallback`).
  function fallbackTarget(list, index, fallback) {
    const items = [...list.children].filter((child) => !child.hasAttribute("data-empty"));
    const target = items[index] || items[items.length - 1];
    if (target) return target;
    if (fallback) return fallback;
    return list.dataset.fallback ? document.getElementById(list.dataset.fallback) : null;
  }

  function focusOn(target) {
    if (!target) return;
    if (!target.matches("a[href], button, input, textarea, select, summary, [tabindex]")) target.setAttribute("tabindex", "-1");
    target.focus();
  }

  // Update several lists at once: `jobs` is [[list, nodes, fallback?], ...] where nodes are the
  // wanted children in order (built or updated by the caller, possibly taken from another list).
  // First every list drops what it no longer holds (noting a lost focus), then each is put in
  // order, then focus lost on the way goes to a sensible neighbour.
  function reconcile(jobs) {
    const lost = [];
    const typing = focused();
    jobs.forEach(([list, nodes, fallback]) => {
      const wanted = new Set(nodes);
      let kept = 0;
      [...list.children].forEach((child) => {
        if (wanted.has(child)) { kept += 1; return; }
        const active = focused();
        if (active && child.contains(active)) lost.push([list, kept, fallback]);
        child.remove();
      });
    });
    jobs.forEach(([list, nodes]) => arrange(list, nodes));
    if (!lost.length || focused()) return;
    // A field someone was typing in that only moved (a question approved by another moderator
    // while its answer was being written) gets its focus back.
    if (typing && typing.matches("input, textarea") && typing.isConnected && typing.getClientRects().length) {
      typing.focus();
      return;
    }
    const [list, index, fallback] = lost[0];
    focusOn(fallbackTarget(list, index, fallback));
  }

  function arrange(list, nodes) {
    const active = focused();
    nodes.forEach((node, i) => {
      if (list.children[i] === node) return;
      if (node.parentNode === list && active && node.contains(active)) {
        // Never move the node holding the focus: move the ones before it to the end instead
        // (they are placed at their own turn).
        while (list.children[i] !== node) list.appendChild(list.children[i]);
      } else {
        list.insertBefore(node, list.children[i] || null);
      }
    });
  }

  // A map of nodes by key that builds missing ones and forgets those no longer wanted.
  function keyed(create, update) {
    const nodes = new Map();
    return {
      nodes: nodes,
      get(key, data) {
        let node = nodes.get(key);
        if (!node) { node = create(data, key); nodes.set(key, node); }
        update(node, data);
        return node;
      },
      keep(keys) {
        const wanted = new Set(keys);
        for (const key of [...nodes.keys()]) if (!wanted.has(key)) nodes.delete(key);
      },
    };
  }

  window.LiveRoomDom = { el, attr, text, focused, focusOn, reconcile, keyed };
})();
