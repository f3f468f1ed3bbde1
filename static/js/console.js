// Organiser console. Without JavaScript every part of the recurrence picker shows, each
// labelled with the choice it serves, and forms submit as usual; with it the picker shows only
// the inputs the chosen pattern uses, and a sent message form cannot be submitted twice.
(function () {
  "use strict";

  var USED = {
    "weekly": ["pattern", "weekday"],
    "every-other-week": ["pattern", "weekday"],
    "monthly-weekday": ["pattern", "ordinal", "weekday"],
    "monthly-day": ["pattern", "monthday"],
    "current": ["pattern"]
  };

  function setUpPicker(picker) {
    var pattern = picker.querySelector("[data-recurrence-pattern]");
    if (!pattern) { return; }
    function update() {
      var used = USED[pattern.value] || Object.keys(USED).reduce(function (all, key) {
        return all.concat(USED[key]);
      }, []);
      picker.querySelectorAll("[data-recurrence-part]").forEach(function (part) {
        part.hidden = used.indexOf(part.getAttribute("data-recurrence-part")) === -1;
      });
    }
    pattern.addEventListener("change", update);
    update();
  }

  function start() {
    document.querySelectorAll("[data-recurrence]").forEach(setUpPicker);
    document.querySelectorAll(".page-console form[data-once]").forEach(function (form) {
      form.addEventListener("submit", function () {
        form.querySelectorAll("button[type=submit]").forEach(function (button) {
          // After the browser has read the form: disabling at once would drop the button.
          window.setTimeout(function () { button.disabled = true; }, 0);
        });
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
