/* The DORA trend charts: one line per metric, a point per week (no inline script: the CSP
   forbids it; the data comes from the json_script element). */
(function () {
  "use strict";

  var UNITS = {
    deployment_frequency: "deployments a week",
    lead_time: "hours (median)",
    change_failure_rate: "%",
    recovery_time: "hours (median)",
    rework_rate: "%"
  };

  function formatDay(ms) {
    return new Date(ms).toLocaleDateString(undefined, { day: "numeric", month: "short" });
  }

  function draw() {
    var source = document.getElementById("dora-chart-data");
    if (!source || typeof Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var canvases = document.querySelectorAll("canvas[data-metric]");
    Array.prototype.forEach.call(canvases, function (canvas) {
      var metric = canvas.getAttribute("data-metric");
      var points = data[metric] || [];
      var unit = UNITS[metric] || "";
      var previous = Chart.getChart(canvas);
      if (previous) previous.destroy();
      new Chart(canvas, {
        type: "line",
        data: { datasets: [{ label: unit, data: points, borderColor: "#2b5fd9",
          backgroundColor: "#2b5fd9", pointRadius: 3, tension: 0, spanGaps: false }] },
        options: {
          animation: false,
          maintainAspectRatio: false,
          parsing: false,
          plugins: {
            legend: { display: false },
            tooltip: { callbacks: {
              title: function (items) { return items.length ? "Week of " + formatDay(items[0].parsed.x) : ""; },
              label: function (item) { return item.parsed.y + " " + unit; }
            } }
          },
          scales: {
            x: { type: "linear", ticks: { callback: function (v) { return formatDay(v); }, maxTicksLimit: 6 } },
            y: { beginAtZero: true, title: { display: true, text: unit } }
          }
        }
      });
      canvas.setAttribute("data-drawn", "true");
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
