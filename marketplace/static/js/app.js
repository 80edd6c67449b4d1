// Progressive enhancements only: every page works without this file.
document.documentElement.classList.add("js");

// The navigation's menus are disclosure buttons (aria-expanded): a click or Enter/Space opens
// one and closes the others, Escape closes it and returns focus to its button, and a click or
// focus elsewhere closes it. On a phone the whole nav folds behind the Menu toggle.
function menuOf(button) {
  return document.getElementById(button.getAttribute("aria-controls"));
}

function setMenu(button, open) {
  button.setAttribute("aria-expanded", String(open));
  const menu = menuOf(button);
  if (menu) menu.classList.toggle("open", open);
}

function openMenuButtons() {
  return document.querySelectorAll('.nav-group-toggle[aria-expanded="true"]');
}

function closeMenus(except) {
  openMenuButtons().forEach((button) => {
    if (button !== except) setMenu(button, false);
  });
}

function initNavigation() {
  const toggle = document.querySelector(".nav-toggle");
  const nav = document.getElementById("site-nav");
  const setNav = (open) => {
    nav.classList.toggle("open", open);
    toggle.setAttribute("aria-expanded", String(open));
  };
  if (toggle && nav) {
    toggle.addEventListener("click", () => setNav(!nav.classList.contains("open")));
  }
  document.querySelectorAll(".nav-group-toggle").forEach((button) => {
    button.addEventListener("click", () => {
      const open = button.getAttribute("aria-expanded") !== "true";
      closeMenus(button);
      setMenu(button, open);
    });
    const group = button.closest(".nav-group");
    // A menu that floats over the page (desktop) closes when focus leaves it; one that opens in
    // place (phone) stays, so that closing it does not move what the user is about to tap.
    group.addEventListener("focusout", (event) => {
      const menu = menuOf(button);
      const floating = menu && window.getComputedStyle(menu).position === "absolute";
      if (floating && event.relatedTarget && !group.contains(event.relatedTarget)) {
        setMenu(button, false);
      }
    });
  });
  document.addEventListener("click", (event) => {
    if (!event.target.closest(".nav-group")) closeMenus(null);
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    const open = openMenuButtons()[0];
    if (open) {
      setMenu(open, false);
      open.focus();
    } else if (toggle && nav && nav.classList.contains("open") && nav.contains(document.activeElement)) {
      setNav(false);
      toggle.focus();
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  initNavigation();
  // Selects marked data-autosubmit submit their form when changed (sorting).
  document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
  });
  // Forms marked data-confirm ask before they submit (destructive actions).
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
});
