/* The key-result chart and the htmx check-in forms (no inline script: the CSP forbids it). */
(function () {
  "use strict";

  function formatDay(ms) {
    return new Date(ms).toLocaleDateString(undefined, { day: "numeric", month: "short" });
  }

  function drawChart() {
    var canvas = document.getElementById("kr-chart");
    var source = document.getElementById("kr-chart-data");
    if (!canvas || !source || typeof Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var previous = Chart.getChart(canvas);
    if (previous) previous.destroy();
    var unit = data.unit ? " " + data.unit : "";
    new Chart(canvas, {
      type: "line",
      data: {
        datasets: [
          { label: "Value", data: data.values, borderColor: "#2b5fd9", backgroundColor: "#2b5fd9",
            pointRadius: 4, tension: 0 },
          { label: "Expected", data: data.expected, borderColor: "#5b6576", borderDash: [6, 4],
            pointRadius: 0, borderWidth: 1.5 },
          { label: "Forecast", data: data.forecast, borderColor: "#a15c00", borderDash: [2, 3],
            pointRadius: 0, borderWidth: 2 }
        ]
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        parsing: false,
        interaction: { mode: "nearest", intersect: false },
        scales: {
          x: { type: "linear", min: data.start, max: data.end,
               ticks: { callback: function (value) { return formatDay(value); }, maxTicksLimit: 7 } },
          y: { title: { display: Boolean(data.unit), text: data.unit } }
        },
        plugins: {
          tooltip: { callbacks: {
            title: function (items) { return items.length ? formatDay(items[0].parsed.x) : ""; },
            // The server writes each point for people (40.4 hours, a forecast not below 0).
            label: function (item) {
              var text = item.raw && item.raw.text;
              return item.dataset.label + ": " + (text || item.parsed.y + unit);
            }
          } }
        }
      }
    });
    canvas.setAttribute("data-drawn", "true");
  }

  // A refused check-in (400, 403) answers with the form and its message: show it in place.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    var target = event.detail.target;
    if (status >= 400 && status < 500 && target && target.hasAttribute("data-swap-errors")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:afterSettle", function () {
    drawChart();
    var focus = document.querySelector("[data-focus-after-swap]");
    if (focus) focus.focus();
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawChart);
  } else {
    drawChart();
  }
})();
