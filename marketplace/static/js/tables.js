// Wide tables scroll sideways inside their .table-wrap, not the page. A box that scrolls must be
// reachable by keyboard (WCAG 2.1.1) and, as a tab stop, say what it holds: such a box becomes a
// focusable region named after the table's caption or the heading above it. Boxes that fit (a
// wide screen) stay out of the tab order. Progressive enhancement: without this file the tables
// still scroll by touch and mouse.
(() => {
  const MARK = "data-scroll-region";

  function heading(wrap) {
    const caption = wrap.querySelector("caption");
    if (caption && caption.textContent.trim()) return caption.textContent.trim();
    let name = "";
    for (const candidate of document.querySelectorAll("main h1, main h2, main h3, main h4")) {
      if (candidate.compareDocumentPosition(wrap) & Node.DOCUMENT_POSITION_FOLLOWING) {
        name = candidate.textContent.trim();
      }
    }
    return name || document.title;
  }

  function update() {
    document.querySelectorAll(".table-wrap").forEach((wrap) => {
      const scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
      if (scrolls && !wrap.hasAttribute("tabindex")) {
        const named = wrap.hasAttribute("aria-label");
        wrap.setAttribute(MARK, named ? "" : "named");
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        if (!named) wrap.setAttribute("aria-label", heading(wrap));
      } else if (!scrolls && wrap.hasAttribute(MARK)) {
        if (wrap.getAttribute(MARK) === "named") wrap.removeAttribute("aria-label");
        wrap.removeAttribute(MARK);
        wrap.removeAttribute("tabindex");
        wrap.removeAttribute("role");
      }
    });
  }

  let pending = 0;
  function later() {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(update);
  }

  document.addEventListener("DOMContentLoaded", update);
  window.addEventListener("load", update);
  window.addEventListener("resize", later);
  // Tables inside <details> (a chart's data) only take their width once opened.
  document.addEventListener("toggle", later, true);
})();
