// The network graph: the server draws the final layout (collaborations/graph_chart.py), so
// nothing moves after the first paint. This only highlights a node's links, when the mouse
// is over the node or when a link of the table below has the focus or the mouse, and opens
// a node's page on click (keyboards reach the same pages through the table's links).
(function () {
  "use strict";

  function setUp(svg) {
    var nodes = {};
    svg.querySelectorAll(".graph-node").forEach(function (el) { nodes[el.dataset.id] = el; });
    var edges = svg.querySelectorAll(".graph-edges line");

    function on(id) {
      var node = nodes[id];
      if (!node) { return; }
      svg.classList.add("is-focused");
      node.classList.add("is-near");
      edges.forEach(function (line) {
        if (line.dataset.a === id || line.dataset.b === id) {
          line.classList.add("is-near");
          [line.dataset.a, line.dataset.b].forEach(function (other) {
            if (nodes[other]) { nodes[other].classList.add("is-near"); }
          });
        }
      });
    }
    function off() {
      svg.classList.remove("is-focused");
      svg.querySelectorAll(".is-near").forEach(function (el) { el.classList.remove("is-near"); });
    }

    Object.keys(nodes).forEach(function (id) {
      var el = nodes[id];
      el.addEventListener("mouseenter", function () { on(id); });
      el.addEventListener("mouseleave", off);
      if (el.dataset.url) {
        el.addEventListener("click", function () { window.location.assign(el.dataset.url); });
      }
    });
    var card = svg.closest(".collab-graph-card") || document;
    card.querySelectorAll("a[data-node]").forEach(function (link) {
      var id = link.dataset.node;
      link.addEventListener("focus", function () { on(id); });
      link.addEventListener("blur", off);
      link.addEventListener("mouseenter", function () { on(id); });
      link.addEventListener("mouseleave", off);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("svg[data-graph]").forEach(setUp);
  });
})();
