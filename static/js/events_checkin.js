// Door check-in: filter the list as you type and check people in without a page reload.
// Without JavaScript the search form and the buttons' forms work as plain GET/POST.
(function () {
  "use strict";
  var list = document.querySelector("[data-check-in-list]");
  if (!list) { return; }
  var labels = document.querySelector("template[data-labels]");
  var search = document.querySelector("[data-check-in-search]");
  var inCount = document.querySelector("[data-checked-in-count]");
  var status = document.querySelector("[data-check-in-status]");

  // Says the outcome politely ("Léa is checked in."): the count alone does not say whom.
  function announce(text) {
    if (!status || !text) { return; }
    status.textContent = "";
    // A new text node, even when the words repeat, so it is announced again.
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  if (search) {
    search.addEventListener("input", function () {
      var q = search.value.trim().toLowerCase();
      list.querySelectorAll(".check-in-row").forEach(function (row) {
        row.hidden = q !== "" && row.getAttribute("data-name").indexOf(q) === -1;
      });
    });
  }

  list.addEventListener("submit", function (event) {
    var form = event.target.closest("[data-check-in-form]");
    if (!form) { return; }
    event.preventDefault();
    var button = form.querySelector("button");
    var action = form.querySelector("input[name=action]");
    if (form.getAttribute("aria-busy") === "true") { return; }  // a second tap waits
    // Not `disabled`: a disabled button loses the focus (to <body>, the top of the page), and
    // a keyboard user at the door would have to Tab back down the list after every person.
    form.setAttribute("aria-busy", "true");
    button.setAttribute("aria-disabled", "true");
    function focusLost() {
      return !document.activeElement || document.activeElement === document.body;
    }
    function done() {
      form.removeAttribute("aria-busy");
      button.removeAttribute("aria-disabled");
      // Back on the button pressed, unless the user has moved on meanwhile (to the search).
      if (focusLost()) { button.focus(); }
    }
    // form.action would be the hidden input named "action": read the attribute instead.
    fetch(form.getAttribute("action"), {
      method: "POST",
      body: new FormData(form),
      headers: { "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      if (!result.ok) {
        done();
        window.alert(result.data.error || labels.dataset.error);
        button.focus();
        return;
      }
      var row = form.closest(".check-in-row");
      var isIn = result.data.checked_in;
      announce(result.data.message);
      if (!isIn && result.data.open === false) {  // before the day: no "Check in" to offer
        var focusRow = document.activeElement === button || focusLost();
        form.remove();
        if (focusRow) {
          // The button is gone: its row (the name) takes the focus, not <body>.
          row.setAttribute("tabindex", "-1");
          row.focus();
        }
        return;
      }
      row.classList.toggle("is-in", isIn);
      action.value = isIn ? "undo" : "in";
      // Only the visible words change: the hidden name keeps "Check in · Léa" apart from the
      // other rows' buttons for a screen reader.
      var label = button.querySelector("[data-label]") || button;
      label.textContent = isIn ? "✓ " + labels.dataset.undo : labels.dataset.in;
      button.classList.toggle("button-secondary", isIn);
      if (inCount) { inCount.textContent = result.data.checked_in_count; }
      done();
    }).catch(function () {
      done();
      window.alert(labels.dataset.error);
      button.focus();
    });
  });
})();
