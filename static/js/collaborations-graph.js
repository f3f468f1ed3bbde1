// The network graph: the server draws a first layout (a circle); this refines it into a
// small force layout (Fruchterman–Reingold) and highlights a node's links on hover/focus.
// No library, no network: everything the graph needs is in the SVG's data attributes.
(function () {
  "use strict";

  function layout(svg) {
    var width = Number(svg.dataset.width), height = Number(svg.dataset.height);
    var nodeEls = svg.querySelectorAll(".graph-node");
    var edgeEls = svg.querySelectorAll(".graph-edges line");
    var nodes = [], byId = {};
    nodeEls.forEach(function (el, i) {
      var m = /translate\(([-\d.]+)[ ,]+([-\d.]+)\)/.exec(el.getAttribute("transform"));
      var n = { id: el.dataset.id, el: el, x: Number(m[1]), y: Number(m[2]), r: Number(el.dataset.r),
        dx: 0, dy: 0, i: i };
      nodes.push(n); byId[n.id] = n;
    });
    var edges = [];
    edgeEls.forEach(function (el) {
      var a = byId[el.dataset.a], b = byId[el.dataset.b];
      if (a && b) { edges.push({ a: a, b: b, el: el, w: Number(el.getAttribute("stroke-width")) }); }
    });
    if (nodes.length < 3) { return { nodes: nodes, edges: edges }; }
    // Simulate in free space (no walls, so nothing sticks to the border), with a weak pull
    // towards the centre that keeps small separate groups near the main one; then fit the
    // result into the drawing, leaving room for labels.
    var cx = width / 2, cy = height / 2;
    var k = Math.sqrt((width * height) / nodes.length) * 0.8;
    var temp = k * 2, iterations = 400, gravity = 0.15;
    for (var it = 0; it < iterations; it++) {
      var i, j, a, b, ddx, ddy, dist, force;
      for (i = 0; i < nodes.length; i++) { nodes[i].dx = 0; nodes[i].dy = 0; }
      for (i = 0; i < nodes.length; i++) {
        for (j = i + 1; j < nodes.length; j++) {
          a = nodes[i]; b = nodes[j];
          ddx = a.x - b.x; ddy = a.y - b.y;
          dist = Math.max(Math.sqrt(ddx * ddx + ddy * ddy), 1);
          force = (k * k) / dist;
          a.dx += (ddx / dist) * force; a.dy += (ddy / dist) * force;
          b.dx -= (ddx / dist) * force; b.dy -= (ddy / dist) * force;
        }
      }
      edges.forEach(function (e) {
        var ddx2 = e.a.x - e.b.x, ddy2 = e.a.y - e.b.y;
        var d = Math.max(Math.sqrt(ddx2 * ddx2 + ddy2 * ddy2), 1);
        var f = (d * d) / k;
        e.a.dx -= (ddx2 / d) * f; e.a.dy -= (ddy2 / d) * f;
        e.b.dx += (ddx2 / d) * f; e.b.dy += (ddy2 / d) * f;
      });
      nodes.forEach(function (n) {
        n.dx += (cx - n.x) * gravity * k / 10; n.dy += (cy - n.y) * gravity * k / 10;
        var d = Math.max(Math.sqrt(n.dx * n.dx + n.dy * n.dy), 0.01);
        n.x += (n.dx / d) * Math.min(d, temp); n.y += (n.dy / d) * Math.min(d, temp);
      });
      temp = Math.max(temp * 0.985, 0.5);
    }
    var minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
    nodes.forEach(function (n) {
      minX = Math.min(minX, n.x); maxX = Math.max(maxX, n.x);
      minY = Math.min(minY, n.y); maxY = Math.max(maxY, n.y);
    });
    var padX = 110, padY = 28;
    var sx = (width - 2 * padX) / Math.max(maxX - minX, 1);
    var sy = (height - 2 * padY) / Math.max(maxY - minY, 1);
    nodes.forEach(function (n) {
      n.x = padX + (n.x - minX) * sx;
      n.y = padY + (n.y - minY) * sy;
    });
    separateLabels(nodes, width, height);
    nodes.forEach(function (n) {
      n.el.setAttribute("transform", "translate(" + n.x.toFixed(1) + " " + n.y.toFixed(1) + ")");
      var text = n.el.querySelector("text");
      if (text) {
        var right = n.x <= width / 2;
        text.setAttribute("text-anchor", right ? "start" : "end");
        text.setAttribute("x", String((right ? 1 : -1) * (n.r + 4)));
      }
    });
    edges.forEach(function (e) {
      e.el.setAttribute("x1", e.a.x.toFixed(1)); e.el.setAttribute("y1", e.a.y.toFixed(1));
      e.el.setAttribute("x2", e.b.x.toFixed(1)); e.el.setAttribute("y2", e.b.y.toFixed(1));
    });
    return { nodes: nodes, edges: edges };
  }

  // Labels sit beside their node (right of it on the left half, left of it on the right
  // half); nudge apart vertically the nodes whose labels would overlap.
  function separateLabels(nodes, width, height) {
    var lineHeight = 15;
    nodes.forEach(function (n) {
      var text = n.el.querySelector("text");
      var chars = text ? text.textContent.length : 0;
      n.labelW = chars * 6.6 + n.r + 6;
    });
    function box(n) {
      var right = n.x <= width / 2;
      return right ? [n.x - n.r, n.x + n.labelW] : [n.x - n.labelW, n.x + n.r];
    }
    for (var pass = 0; pass < 60; pass++) {
      var moved = false;
      for (var i = 0; i < nodes.length; i++) {
        for (var j = i + 1; j < nodes.length; j++) {
          var a = nodes[i], b = nodes[j];
          var dy = b.y - a.y, overlapY = lineHeight - Math.abs(dy);
          if (overlapY <= 0) { continue; }
          var ba = box(a), bb = box(b);
          if (ba[1] <= bb[0] || bb[1] <= ba[0]) { continue; }
          var push = overlapY / 2 + 0.5, dir = dy >= 0 ? 1 : -1;
          a.y = Math.min(height - 12, Math.max(12, a.y - dir * push));
          b.y = Math.min(height - 12, Math.max(12, b.y + dir * push));
          moved = true;
        }
      }
      if (!moved) { break; }
    }
  }

  function highlight(svg, graph) {
    graph.nodes.forEach(function (n) {
      function on() {
        svg.classList.add("is-focused");
        n.el.classList.add("is-near");
        graph.edges.forEach(function (e) {
          if (e.a === n || e.b === n) {
            e.el.classList.add("is-near");
            e.a.el.classList.add("is-near"); e.b.el.classList.add("is-near");
          }
        });
      }
      function off() {
        svg.classList.remove("is-focused");
        svg.querySelectorAll(".is-near").forEach(function (el) { el.classList.remove("is-near"); });
      }
      n.el.addEventListener("mouseenter", on); n.el.addEventListener("mouseleave", off);
      n.el.addEventListener("focusin", on); n.el.addEventListener("focusout", off);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("svg[data-graph]").forEach(function (svg) {
      highlight(svg, layout(svg));
    });
  });
})();
