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
    // An ARIA 1.2 combobox: a screen reader hears the option the arrows reach
    // (aria-activedescendant) and whether the list is open (aria-expanded).
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    var label = input.labels && input.labels[0];
    if (label) {
      if (!label.id) { label.id = input.id + "-label"; }
      list.setAttribute("aria-labelledby", label.id);
    }
    var timer = null;
    var active = -1;

    function show(open) {
      list.hidden = !open;
      input.setAttribute("aria-expanded", String(open));
      if (!open) { input.removeAttribute("aria-activedescendant"); }
    }

    function choose(name) {
      var parts = input.value.split(",");
      parts[parts.length - 1] = " " + name;
      input.value = parts.map(function (p) { return p.trim(); }).filter(Boolean).join(", ") + ", ";
      show(false);
      input.focus();
    }

    function render(items) {
      list.innerHTML = "";
      active = -1;
      input.removeAttribute("aria-activedescendant");
      items.forEach(function (item, i) {
        var li = document.createElement("li");
        li.id = list.id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.textContent = item.name;
        li.addEventListener("mousedown", function (event) { event.preventDefault(); choose(item.name); });
        list.appendChild(li);
      });
      show(items.length > 0);
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      var q = lastPart(input.value);
      if (q.length < 2) { show(false); return; }
      timer = window.setTimeout(function () {
        fetch(url + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : { results: [] }; })
          .then(function (data) { render(data.results || []); })
          .catch(function () { show(false); });
      }, 150);
    });
    input.addEventListener("keydown", function (event) {
      var items = list.querySelectorAll("li");
      if (list.hidden || !items.length) { return; }
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        active = (active + (event.key === "ArrowDown" ? 1 : items.length - 1)) % items.length;
        items.forEach(function (li, i) { li.setAttribute("aria-selected", String(i === active)); });
        input.setAttribute("aria-activedescendant", items[active].id);
        items[active].scrollIntoView({ block: "nearest" });
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        choose(items[active].textContent);
      } else if (event.key === "Escape") {
        event.preventDefault();
        show(false);
      }
    });
    input.addEventListener("blur", function () { show(false); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-terms-url]");
    if (!form || !window.fetch) { return; }
    var url = form.getAttribute("data-terms-url");
    form.querySelectorAll("input[data-tags]").forEach(function (input) { attach(input, url); });
  });
})();
