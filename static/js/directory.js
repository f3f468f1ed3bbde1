// Directory: results follow the search box and the filters without a page reload.
// Without JavaScript the form is a plain GET form and everything still works.
(function () {
  "use strict";
  var DELAY = 250;

  function queryOf(form) {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (String(value).trim() !== "") { params.append(key, value); }
    });
    return params.toString();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-directory]");
    var results = document.querySelector("[data-directory-results]");
    var status = document.querySelector("[data-directory-status]");
    if (!form || !results || !window.fetch) { return; }
    var timer = null;
    var controller = null;
    var last = queryOf(form);

    function load(qs, push, focusResults) {
      if (controller) { controller.abort(); }
      controller = window.AbortController ? new AbortController() : null;
      results.classList.add("is-loading");
      results.setAttribute("aria-busy", "true");
      var url = form.action + (qs ? "?" + qs : "");
      fetch(url, {
        headers: { "X-Requested-With": "fetch" },
        credentials: "same-origin",
        signal: controller ? controller.signal : undefined
      }).then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text();
      }).then(function (html) {
        results.innerHTML = html;
        results.classList.remove("is-loading");
        results.removeAttribute("aria-busy");
        // One short sentence for screen readers: the count, not the whole list.
        var count = results.querySelector("[data-directory-count]");
        if (status && count) {
          // Its words only: the paragraph's link ("clear the search") is no part of the count.
          var words = count.cloneNode(true);
          Array.prototype.forEach.call(words.querySelectorAll("a"), function (a) { a.remove(); });
          status.textContent = words.textContent.replace(/\s+/g, " ").replace(/[\s·]+$/, "").trim();
        }
        if (focusResults) {
          // The page link that was followed is gone: the focus goes to the new page's heading.
          var heading = results.querySelector("h2");
          if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus({ preventScroll: true }); }
        }
        var state = window.location.pathname + (qs ? "?" + qs : "");
        if (push) { window.history.pushState({ qs: qs }, "", state); }
        else { window.history.replaceState({ qs: qs }, "", state); }
      }).catch(function (error) {
        if (error && error.name === "AbortError") { return; }
        // Fall back to a normal page load: the server renders the same results.
        window.location.href = url;
      });
    }

    function schedule(delay) {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var qs = queryOf(form);
        if (qs === last) { return; }
        last = qs;
        load(qs, false);
      }, delay);
    }

    form.addEventListener("input", function (event) {
      if (event.target.matches("input")) { schedule(DELAY); }
    });
    form.addEventListener("change", function (event) {
      if (event.target.matches("select")) { schedule(DELAY); }  // arrows through a closed select: one load
    });
    form.addEventListener("submit", function (event) {
      // Staff's "export as contacts" submits the same filters to its own address: let it go.
      if (event.submitter && event.submitter.hasAttribute("formaction")) { return; }
      event.preventDefault();
      window.clearTimeout(timer);
      last = queryOf(form);
      load(last, true);
    });
    results.addEventListener("click", function (event) {
      var link = event.target.closest("a[data-page-link]");
      if (!link) { return; }
      event.preventDefault();
      var qs = link.getAttribute("href").replace(/^\?/, "");
      load(qs, true, true);
      var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
      results.scrollIntoView({ behavior: still ? "auto" : "smooth", block: "start" });
    });
    window.addEventListener("popstate", function () {
      window.location.reload();
    });
  });
})();
