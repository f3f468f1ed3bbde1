// Tag fields (skills, offers, seeks): suggestions from the shared vocabulary as you type.
// The field stays a plain comma-separated text input; this only completes the last word.
(function () {
  "use strict";

  function lastPart(value) {
    var parts = value.split(",");
    return parts[parts.length - 1].trim();
  }

  function attach(input, url) {
    var wrap = document.createElement("div");
    wrap.className = "tag-input";
    input.parentNode.insertBefore(wrap, input);
    wrap.appendChild(input);
    var list = document.createElement("ul");
    list.className = "tag-suggestions";
    list.id = input.id + "-suggestions";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    wrap.appendChild(list);
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-autocomplete", "list");
    var timer = null;
    var active = -1;

    function choose(name) {
      var parts = input.value.split(",");
      parts[parts.length - 1] = " " + name;
      input.value = parts.map(function (p) { return p.trim(); }).filter(Boolean).join(", ") + ", ";
      list.hidden = true;
      input.focus();
    }

    function render(items) {
      list.innerHTML = "";
      active = -1;
      items.forEach(function (item) {
        var li = document.createElement("li");
        li.setAttribute("role", "option");
        li.textContent = item.name;
        li.addEventListener("mousedown", function (event) { event.preventDefault(); choose(item.name); });
        list.appendChild(li);
      });
      list.hidden = items.length === 0;
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      var q = lastPart(input.value);
      if (q.length < 2) { list.hidden = true; return; }
      timer = window.setTimeout(function () {
        fetch(url + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : { results: [] }; })
          .then(function (data) { render(data.results || []); })
          .catch(function () { list.hidden = true; });
      }, 150);
    });
    input.addEventListener("keydown", function (event) {
      var items = list.querySelectorAll("li");
      if (list.hidden || !items.length) { return; }
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        active = (active + (event.key === "ArrowDown" ? 1 : items.length - 1)) % items.length;
        items.forEach(function (li, i) { li.setAttribute("aria-selected", String(i === active)); });
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        choose(items[active].textContent);
      } else if (event.key === "Escape") {
        list.hidden = true;
      }
    });
    input.addEventListener("blur", function () { list.hidden = true; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-terms-url]");
    if (!form || !window.fetch) { return; }
    var url = form.getAttribute("data-terms-url");
    form.querySelectorAll("input[data-tags]").forEach(function (input) { attach(input, url); });
  });
})();
