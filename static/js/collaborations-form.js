// The collaboration form: member suggestions from the JSON endpoint (typing a name offers
// matching visible members; the field shows the name, a hidden input keeps the profile slug),
// the origin fields shown only for the chosen origin, and a form sent once (a double click
// logs one collaboration). Everything works without JavaScript.
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

  // What the visible input shows for a suggestion: the name, followed by the company (or the
  // slug) only when another suggestion has the same name. The server reads this back.
  function shown(item, items) {
    var namesakes = items.filter(function (other) { return other.name === item.name; });
    if (namesakes.length < 2) { return item.name; }
    return item.name + " · " + (item.company || item.value);
  }

  function autocomplete(form) {
    var url = form.dataset.autocompleteUrl;
    var list = document.getElementById("member-suggestions");
    if (!url || !list) { return; }
    var offered = [];  // [{text, value}] of the suggestions on the list
    form.querySelectorAll("input[data-member-autocomplete]").forEach(function (input) {
      var slug = form.querySelector("input[name='" + input.name + "_slug']");
      input.setAttribute("list", "member-suggestions");
      // The name stays visible; the picked person's slug goes in the hidden input.
      function pick() {
        if (!slug) { return; }
        var text = input.value.trim();
        var found = offered.filter(function (o) { return o.text === text; })[0];
        if (found) { slug.value = found.value; }
        else if (text.split(" · ")[0] !== slug.dataset.name) { slug.value = ""; }
        slug.dataset.name = found ? found.name : slug.dataset.name;
      }
      if (slug) { slug.dataset.name = input.value.trim().split(" · ")[0]; }
      input.addEventListener("change", pick);
      input.addEventListener("input", pick);
      input.addEventListener("input", debounce(function () {
        var q = input.value.trim();
        if (q.length < 2) { return; }
        fetch(url + "?q=" + encodeURIComponent(q), { credentials: "same-origin",
          headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : { results: [] }; })
          .then(function (data) {
            list.replaceChildren();
            offered = data.results.map(function (item) {
              return { text: shown(item, data.results), value: item.value, name: item.name };
            });
            offered.forEach(function (o, i) {
              var item = data.results[i];
              var option = document.createElement("option");
              option.value = o.text;
              option.label = item.company && o.text === item.name ? item.company : "";
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

  // Sent once, as the event and console forms (static/js/events.js, console.js): a second
  // click or Enter is ignored and the button disabled. The server also logs a form once (its
  // one-time token), whatever the browser does.
  function submitOnce(form) {
    var buttons = form.querySelectorAll("button[type=submit]");
    var sent = false;
    form.addEventListener("submit", function (event) {
      if (sent) { event.preventDefault(); return; }
      sent = true;
      buttons.forEach(function (button) {
        // After the browser has read the form: disabling at once would drop the button.
        window.setTimeout(function () { button.disabled = true; }, 0);
      });
    });
    // Back to this page from the browser's cache: the form can be sent again (the server
    // then says it was already logged).
    window.addEventListener("pageshow", function (event) {
      if (!event.persisted) { return; }
      sent = false;
      buttons.forEach(function (button) { button.disabled = false; });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form.collab-form");
    if (!form) { return; }
    autocomplete(form);
    origins(form);
    submitOnce(form);
  });
})();
