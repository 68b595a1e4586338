// leaderfault report: a time cursor over each lane chart and a filter over
// each timeline table. The page is complete without this script; it marks
// <html data-rendered="ok"> once everything is wired, so that a headless
// browser test can tell the script ran without errors.
(function () {
  "use strict";

  function fmt(ms) {
    return ms >= 1000 ? (ms / 1000).toFixed(3) + "s" : ms.toFixed(1) + "ms";
  }

  // The cursor: a vertical line and the time under the pointer.
  function wireCursor(svg) {
    var x0 = parseFloat(svg.dataset.x0), x1 = parseFloat(svg.dataset.x1), end = parseFloat(svg.dataset.end);
    var line = svg.querySelector(".cursor"), label = svg.querySelector(".cursor-label");
    if (!line || !label || !(x1 > x0) || !(end > 0)) {
      throw new Error("lane chart without cursor or scale");
    }
    function hide() {
      line.setAttribute("visibility", "hidden");
      label.setAttribute("visibility", "hidden");
    }
    svg.addEventListener("mousemove", function (ev) {
      var pt = svg.createSVGPoint();
      pt.x = ev.clientX;
      pt.y = ev.clientY;
      var p = pt.matrixTransform(svg.getScreenCTM().inverse());
      if (p.x < x0 || p.x > x1) {
        hide();
        return;
      }
      var t = (p.x - x0) / (x1 - x0) * end;
      line.setAttribute("x1", p.x);
      line.setAttribute("x2", p.x);
      line.setAttribute("visibility", "visible");
      label.textContent = "t = " + fmt(t);
      label.setAttribute("x", p.x + 4 + (p.x > x1 - 90 ? -96 : 0));
      label.setAttribute("visibility", "visible");
    });
    svg.addEventListener("mouseleave", hide);
  }

  // The filter: rows of the timeline table containing every word typed.
  function wireFilter(input) {
    var table = input.parentElement.querySelector("table.events");
    if (!table) {
      throw new Error("timeline filter without its table");
    }
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    input.addEventListener("input", function () {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      rows.forEach(function (r) {
        var text = r.textContent.toLowerCase();
        r.hidden = !words.every(function (w) { return text.indexOf(w) >= 0; });
      });
    });
  }

  // Opening a run from a summary link.
  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id && document.getElementById(id);
    if (el && el.tagName === "DETAILS") {
      el.open = true;
    }
  }

  var charts = document.querySelectorAll("svg.lanes");
  charts.forEach(wireCursor);
  var filters = document.querySelectorAll("input.filter");
  filters.forEach(wireFilter);
  window.addEventListener("hashchange", openTarget);
  openTarget();

  var root = document.documentElement;
  root.setAttribute("data-charts", String(charts.length));
  root.setAttribute("data-filters", String(filters.length));
  if (!root.hasAttribute("data-error")) {
    root.setAttribute("data-rendered", "ok");
  }
})();
