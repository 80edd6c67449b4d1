// Forms sent back with errors (a failed submit: the server answers 422 with the messages beside
// the fields). The focus would otherwise sit on <body>: move it to the first field in error, so a
// keyboard user types there at once and a screen reader reads its label and its error (the field
// names its error list in aria-describedby). A form-level message (role="alert") takes the focus
// when no single field is in error. Pages without errors are left alone.
document.addEventListener("DOMContentLoaded", () => {
  if (document.activeElement && document.activeElement !== document.body) return;
  const field = document.querySelector([
    "form [aria-invalid='true']",
    "form .has-error input:not([type='hidden'])",
    "form .has-error select",
    "form .has-error textarea",
  ].join(", "));
  const target = field || document.querySelector("form [role='alert'], form .errors");
  if (!target) return;
  if (!field && !target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
  target.focus();
});
