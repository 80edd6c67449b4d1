// File fields know the platform's one upload limit (data-max-bytes, data-too-large: the
// ``field`` macro in templates/_macros.html). A file over it is refused here, beside its field,
// before anything is sent: the form stays as it is, with everything typed in it. (The server
// would refuse it too, but a request that large is refused unread, so its text would be lost.)
(function () {
  "use strict";

  function messageFor(input) {
    let box = document.getElementById(input.id + "-too-large");
    if (!box) {
      box = document.createElement("p");
      box.id = input.id + "-too-large";
      box.className = "errors upload-too-large";
      box.setAttribute("role", "alert");
      input.insertAdjacentElement("afterend", box);
    }
    return box;
  }

  function tooLarge(input) {
    const limit = Number(input.dataset.maxBytes);
    return [...(input.files || [])].some((file) => file.size > limit);
  }

  // Show or clear the message beside ``input``; true when its file is too large.
  function check(input) {
    const bad = tooLarge(input);
    const id = input.id + "-too-large";
    const described = (input.getAttribute("aria-describedby") || "").split(" ")
      .filter((name) => name && name !== id);
    if (bad) {
      messageFor(input).textContent = input.dataset.tooLarge;
      input.setAttribute("aria-invalid", "true");
      described.push(id);
    } else {
      const box = document.getElementById(id);
      if (box) box.remove();
      if (!input.closest(".has-error")) input.removeAttribute("aria-invalid");
    }
    if (described.length) input.setAttribute("aria-describedby", described.join(" "));
    else input.removeAttribute("aria-describedby");
    return bad;
  }

  document.addEventListener("change", (event) => {
    const input = event.target;
    if (input instanceof HTMLInputElement && input.type === "file" && input.dataset.maxBytes) check(input);
  });

  document.addEventListener("submit", (event) => {
    const inputs = [...event.target.querySelectorAll("input[type=file][data-max-bytes]")];
    const bad = inputs.filter((input) => check(input));
    if (bad.length) {
      event.preventDefault();
      event.stopImmediatePropagation();
      bad[0].focus();
    }
  }, true);
})();
