// The collaboration form: member suggestions from the JSON endpoint (typing a name offers
// matching visible members; the field keeps their profile slug), and the origin fields shown
// only for the chosen origin. Everything works without JavaScript.
(function () {
  "use strict";

  function debounce(fn, ms) {
    var t;
    return function () {
      var args = arguments, self = this;
      clearTimeout(t);
      t = setTimeout(function () { fn.apply(self, args); }, ms);
    };
  }

  function autocomplete(form) {
    var url = form.dataset.autocompleteUrl;
    var list = document.getElementById("member-suggestions");
    if (!url || !list) { return; }
    form.querySelectorAll("input[data-member-autocomplete]").forEach(function (input) {
      input.setAttribute("list", "member-suggestions");
      input.addEventListener("input", debounce(function () {
        var q = input.value.trim();
        if (q.length < 2) { return; }
        fetch(url + "?q=" + encodeURIComponent(q), { credentials: "same-origin",
          headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : { results: [] }; })
          .then(function (data) {
            list.replaceChildren();
            data.results.forEach(function (item) {
              var option = document.createElement("option");
              option.value = item.value;
              option.label = item.name + (item.company ? " · " + item.company : "");
              option.textContent = option.label;
              list.appendChild(option);
            });
          })
          .catch(function () { /* suggestions are a convenience only */ });
      }, 200));
    });
  }

  function origins(form) {
    var radios = form.querySelectorAll("input[name='origin_type']");
    var eventField = form.querySelector("#id_origin_event");
    var introField = form.querySelector("#id_introduced_by");
    if (!radios.length || !eventField || !introField) { return; }
    function sync() {
      var chosen = form.querySelector("input[name='origin_type']:checked");
      var value = chosen ? chosen.value : "";
      eventField.closest(".field").hidden = value !== "event";
      introField.closest(".field").hidden = value !== "introduction";
    }
    radios.forEach(function (r) { r.addEventListener("change", sync); });
    sync();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form.collab-form");
    if (!form) { return; }
    autocomplete(form);
    origins(form);
  });
})();
