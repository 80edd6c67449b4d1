// The live room's "Go live" button, well before the scheduled start: ask first (the dialog in
// templates/events/live/_controls.html), then go live through the page's form, which sends the
// confirmation the server requires. Within the window room.js goes live as usual.
(function () {
  "use strict";

  const dialog = document.querySelector("[data-live-early]");
  if (!dialog) return;
  // Counted from this page's load with the server's clock, not the computer's (it may be wrong).
  const until = performance.now() + Number(dialog.dataset.earlySeconds || 0) * 1000;

  document.addEventListener("click", (event) => {
    const button = event.target.closest('[data-live-action="go_live"]');
    if (!button || performance.now() >= until) return;
    event.preventDefault();
    event.stopPropagation();  // capturing at the document: room.js's own handler never runs
    if (typeof dialog.showModal === "function") {
      dialog.showModal();
    } else if (window.confirm(dialog.querySelector("[data-live-early-question]").textContent)) {
      dialog.querySelector("form").submit();
    }
  }, true);

  dialog.querySelector("[data-live-early-cancel]").addEventListener("click", () => dialog.close());
})();
