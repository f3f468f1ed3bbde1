// Speed networking: the round's countdown, live pages (projector, "my round") that poll a small
// JSON endpoint instead of reloading, a cap on "I'd like to meet" checkboxes, and a confirm
// before finishing the evening. Without JavaScript every page still works: the live pages
// refresh themselves (<noscript> meta refresh) and the forms are plain POSTs.
(function () {
  "use strict";
  var POLL_MS = 5000;

  function clock(seconds) {
    var s = Math.max(0, Math.round(seconds));
    var m = Math.floor(s / 60);
    var r = s % 60;
    return m + ":" + (r < 10 ? "0" : "") + r;
  }

  // Counting down from the seconds the server computed avoids any phone clock skew.
  function arm(el, remaining) {
    if (remaining === null || remaining === undefined || remaining === "") {
      el.hidden = true;
      delete el.dataset.deadline;
      return;
    }
    el.hidden = false;
    el.dataset.deadline = String(Date.now() + Number(remaining) * 1000);
    tick(el);
  }

  function tick(el) {
    if (!el.dataset.deadline) { return; }
    var left = (Number(el.dataset.deadline) - Date.now()) / 1000;
    el.textContent = left > 0 ? clock(left) : (el.dataset.done || "0:00");
    el.classList.toggle("is-over", left <= 0);
  }

  var timers = document.querySelectorAll("[data-countdown]");
  timers.forEach(function (el) { arm(el, el.dataset.remaining); });
  if (timers.length) {
    window.setInterval(function () { timers.forEach(tick); }, 1000);
  }

  function clear(node) {
    while (node.firstChild) { node.removeChild(node.firstChild); }
  }

  function renderProjector(root, data) {
    root.querySelector("[data-heading]").textContent = data.heading;
    var list = root.querySelector("[data-tables]");
    clear(list);
    data.tables.forEach(function (table) {
      var li = document.createElement("li");
      var number = document.createElement("span");
      number.className = "sn-table-number";
      number.textContent = table.label;
      var names = document.createElement("span");
      names.className = "sn-names";
      names.textContent = table.names.join(" · ");
      li.appendChild(number);
      li.appendChild(names);
      list.appendChild(li);
    });
  }

  function renderMe(root, data) {
    root.querySelector("[data-text]").textContent = data.text;
    var list = root.querySelector("[data-companions]");
    clear(list);
    data.companions.forEach(function (person) {
      if (!person.url) { return; }  // a profile the viewer may not see: no link, no name
      var li = document.createElement("li");
      var link = document.createElement("a");
      link.href = person.url;
      link.textContent = list.dataset.profileLabel.replace("%(name)s", function () { return person.name; });  // a name with "$&" stays as written
      li.appendChild(link);
      list.appendChild(li);
    });
  }

  var renderers = { projector: renderProjector, me: renderMe };
  document.querySelectorAll("[data-poll-url]").forEach(function (root) {
    var render = renderers[root.dataset.live];
    if (!render) { return; }
    var last = "";
    function poll() {
      if (document.hidden) { return; }
      fetch(root.dataset.pollUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          var key = JSON.stringify([data.text || data.heading, data.tables, data.companions, data.started_at]);
          if (key !== last) {
            last = key;
            render(root, data);
            root.querySelectorAll("[data-countdown]").forEach(function (el) { arm(el, data.remaining); });
          }
        })
        .catch(function () { /* offline for a moment: the next poll tries again */ });
    }
    window.setInterval(poll, POLL_MS);
    document.addEventListener("visibilitychange", poll);
  });

  // "I'd like to meet": at most N boxes (the server refuses more anyway).
  document.querySelectorAll("form[data-max-checked]").forEach(function (form) {
    var max = Number(form.dataset.maxChecked);
    var boxes = form.querySelectorAll("input[type=checkbox]");
    function update() {
      var checked = form.querySelectorAll("input[type=checkbox]:checked").length;
      boxes.forEach(function (box) { box.disabled = !box.checked && checked >= max; });
    }
    boxes.forEach(function (box) { box.addEventListener("change", update); });
    update();
  });

  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    });
  });
})();
