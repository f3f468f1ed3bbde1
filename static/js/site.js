// Site-wide behaviour: mobile navigation toggle, auto-submitting selects, a question before a
// form marked `data-confirm` is sent, and focus on a form's errors when the server sends the
// form back with them.
// Everything works without JavaScript; this only saves a click. The layout never waits for
// this script: site.css collapses the menu with `@media (scripting: enabled)` from the first
// paint, and moves the language form's fallback button out of sight the same way. The `js`
// class and the class on that button below only matter to browsers that do not know that media
// feature; the button's `hidden` takes it out of the tab order too, once the select submits.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.addEventListener("DOMContentLoaded", function () {
    var toggle = document.querySelector("[data-nav-toggle]");
    var nav = document.getElementById("site-nav");
    if (toggle && nav) {
      toggle.addEventListener("click", function () {
        var open = toggle.getAttribute("aria-expanded") === "true";
        toggle.setAttribute("aria-expanded", String(!open));
        nav.classList.toggle("is-open", !open);
      });
      // Escape closes the open menu and gives the focus back to its button.
      document.addEventListener("keydown", function (event) {
        if (event.key !== "Escape" || toggle.getAttribute("aria-expanded") !== "true") { return; }
        toggle.setAttribute("aria-expanded", "false");
        nav.classList.remove("is-open");
        toggle.focus();
      });
    }
    // Something that cannot be taken back asks first (without JavaScript it is sent at once).
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
      });
    });
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      var fallback = select.form && select.form.querySelector("[data-autosubmit-fallback]");
      // Once a change submits the form, the button is out of the way for keyboards too
      // (`hidden`, not just clipped: a clipped button is still a tab stop with an invisible
      // focus ring). It is already out of the layout (site.css), so nothing moves.
      if (fallback) {
        fallback.classList.add("visually-hidden");
        fallback.hidden = true;
      }
      // A keyboard changes a closed select with its arrow keys, one option at a time: leaving
      // the page then would make every option but the next one unreachable (WCAG 3.2.2). So a
      // change made with keys waits for Enter, or for the button, shown again, that Tab reaches.
      var byKeys = false;
      var initial = select.value;
      select.addEventListener("keydown", function (event) {
        if (event.key === "Enter") {
          if (select.value !== initial) { event.preventDefault(); select.form.submit(); }
          return;
        }
        if (event.key !== "Tab" && event.key !== "Shift") { byKeys = true; }
      });
      select.addEventListener("mousedown", function () { byKeys = false; });
      select.addEventListener("change", function () {
        if (!byKeys) { select.form.submit(); return; }
        if (fallback) {
          fallback.hidden = false;
          fallback.classList.remove("visually-hidden");
          fallback.removeAttribute("data-autosubmit-fallback");
        }
      });
    });

    // A form sent back with errors: the focus goes to its error summary, else to the first
    // field in error (whose description now reads the error), not to the top of the page.
    var error = document.querySelector(
      "main .form-errors, main form .message-error, main [aria-invalid='true']"
    );
    if (error && (document.activeElement === document.body || document.activeElement === null)) {
      if (!error.matches("input, select, textarea, button, a[href]")) {
        error.setAttribute("tabindex", "-1");
      }
      error.focus();
    }
  });
})();
