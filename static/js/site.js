// Site-wide behaviour: mobile navigation toggle and auto-submitting selects.
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
    }
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      var fallback = select.form && select.form.querySelector("[data-autosubmit-fallback]");
      // Once a change submits the form, the button is out of the way for keyboards too
      // (`hidden`, not just clipped: a clipped button is still a tab stop with an invisible
      // focus ring). It is already out of the layout (site.css), so nothing moves.
      if (fallback) {
        fallback.classList.add("visually-hidden");
        fallback.hidden = true;
      }
      select.addEventListener("change", function () { select.form.submit(); });
    });
  });
})();
