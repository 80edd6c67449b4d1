// Progress bars of background jobs: poll the element's data-status-url and reload when done.
// Without JavaScript the page refreshes itself (a <noscript> meta refresh) instead.
(function () {
  "use strict";

  function show(box, job) {
    const bar = box.querySelector(".progress");
    const fill = box.querySelector(".progress > span");
    const text = box.querySelector("[data-progress-text]");
    const percent = job ? Math.max(0, Math.min(100, job.percent)) : 0;
    if (fill) fill.style.width = percent + "%";
    if (bar) bar.setAttribute("aria-valuenow", String(percent));
    if (text && job && job.total) {
      text.textContent = job.progress + " / " + job.total + " (" + percent + "%)";
    }
  }

  function watch(box) {
    const url = box.dataset.statusUrl;
    const fill = box.querySelector(".progress > span");
    if (fill && fill.dataset.percent) fill.style.width = fill.dataset.percent + "%";
    let delay = 1000;
    const poll = () => {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
        .then((status) => {
          show(box, status.job);
          if (status.done) {
            window.location.reload();
          } else {
            window.setTimeout(poll, delay);
          }
        })
        .catch(() => {
          delay = Math.min(delay * 2, 15000); // back off while the server is unreachable
          window.setTimeout(poll, delay);
        });
    };
    window.setTimeout(poll, delay);
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-status-url]").forEach(watch);
  });
})();
