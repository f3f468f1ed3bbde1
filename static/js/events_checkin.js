// Door check-in: filter the list as you type and check people in without a page reload.
// Without JavaScript the search form and the buttons' forms work as plain GET/POST.
(function () {
  "use strict";
  var list = document.querySelector("[data-check-in-list]");
  if (!list) { return; }
  var labels = document.querySelector("template[data-labels]");
  var search = document.querySelector("[data-check-in-search]");
  var inCount = document.querySelector("[data-checked-in-count]");

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
    button.disabled = true;
    // form.action would be the hidden input named "action": read the attribute instead.
    fetch(form.getAttribute("action"), {
      method: "POST",
      body: new FormData(form),
      headers: { "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      button.disabled = false;
      if (!result.ok) { window.alert(result.data.error || labels.dataset.error); return; }
      var row = form.closest(".check-in-row");
      var isIn = result.data.checked_in;
      if (!isIn && result.data.open === false) { form.remove(); return; }  // before the day
      row.classList.toggle("is-in", isIn);
      action.value = isIn ? "undo" : "in";
      // Only the visible words change: the hidden name keeps "Check in · Léa" apart from the
      // other rows' buttons for a screen reader.
      var label = button.querySelector("[data-label]") || button;
      label.textContent = isIn ? "✓ " + labels.dataset.undo : labels.dataset.in;
      button.classList.toggle("button-secondary", isIn);
      if (inCount) { inCount.textContent = result.data.checked_in_count; }
    }).catch(function () {
      button.disabled = false;
      window.alert(labels.dataset.error);
    });
  });
})();
