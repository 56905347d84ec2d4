/* The dashboard's charts, drawn from /api/v1/dashboard/trends (no inline script: the CSP
   forbids it). The charts' section is kept across the page's polls (hx-preserve), so each chart
   is made once and only its data replaced when a poll brought new HTML; a poll that changed
   nothing answers 204 and fetches nothing. */
(function () {
  "use strict";

  // The status colours of okrs.css; every series is also named in words in its legend.
  var STATUSES = [
    { key: "off_track", label: "\u2715 Off track", colour: "#b3261e" },
    { key: "at_risk", label: "! At risk", colour: "#a15c00" },
    { key: "on_track", label: "\u2713 On track", colour: "#1e7a46" }
  ];
  // Objective lines: distinguishable colours, and a dash pattern each for when colour is not seen.
  var LINE_COLOURS = ["#2b5fd9", "#a15c00", "#1e7a46", "#7b3fb5", "#b3261e", "#00838f",
                      "#5b6576", "#c2185b", "#6d7d00", "#3949ab"];
  var DASHES = [[], [6, 3], [2, 3], [8, 3, 2, 3], [], [6, 3], [2, 3], [8, 3, 2, 3], [], [6, 3]];

  var charts = { status: null, score: null };
  var requested = 0;

  function dayLabel(isoDate) {
    var parts = isoDate.split("-");
    var day = new Date(Date.UTC(+parts[0], +parts[1] - 1, +parts[2]));
    return day.toLocaleDateString(undefined, { day: "numeric", month: "short", timeZone: "UTC" });
  }

  function percent(score) {
    return score === null ? "\u2013" : Math.round(score * 100) + "%";
  }

  function statusDatasets(data) {
    return STATUSES.map(function (status) {
      return {
        label: status.label,
        data: data.weeks.map(function (week) { return week[status.key]; }),
        backgroundColor: status.colour,
        borderColor: status.colour
      };
    });
  }

  function scoreDatasets(data) {
    return data.objectives.map(function (objective, i) {
      var colour = LINE_COLOURS[i % LINE_COLOURS.length];
      return {
        label: objective.title,
        data: objective.scores.map(function (score) { return score === null ? null : score * 100; }),
        borderColor: colour,
        backgroundColor: colour,
        borderDash: DASHES[i % DASHES.length],
        pointRadius: 2,
        tension: 0,
        spanGaps: true
      };
    });
  }

  function drawOrUpdate(which, canvas, config, datasets, labels) {
    var chart = charts[which];
    if (chart && chart.canvas === canvas) {
      chart.data.labels = labels;
      chart.data.datasets = datasets;
      chart.update("none");
      return;
    }
    if (chart) chart.destroy();
    config.data = { labels: labels, datasets: datasets };
    charts[which] = new Chart(canvas, config);
  }

  function baseOptions() {
    return {
      animation: false,
      maintainAspectRatio: false,
      interaction: { mode: "index", intersect: false },
      plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } }
    };
  }

  function draw(section, data) {
    var labels = data.weeks.map(function (week) { return dayLabel(week.date); });
    var statusOptions = baseOptions();
    statusOptions.scales = {
      x: { stacked: true },
      y: { stacked: true, beginAtZero: true, ticks: { precision: 0 },
           title: { display: true, text: "key results" } }
    };
    drawOrUpdate("status", section.querySelector("#status-chart"),
                 { type: "bar", options: statusOptions }, statusDatasets(data), labels);
    var scoreOptions = baseOptions();
    scoreOptions.scales = {
      y: { min: 0, max: 100, ticks: { callback: function (value) { return value + "%"; } } }
    };
    scoreOptions.plugins.tooltip = { callbacks: { label: function (item) {
      return item.dataset.label + ": " + Math.round(item.parsed.y) + "%";
    } } };
    // Chart.js does not wrap a legend's labels and would cut long titles: the legend is a list
    // under the chart instead (fillLegend).
    scoreOptions.plugins.legend = { display: false };
    drawOrUpdate("score", section.querySelector("#score-chart"),
                 { type: "line", options: scoreOptions }, scoreDatasets(data), labels);
    fillLegend(section.querySelector("#score-legend"), charts.score);
    section.querySelector("#charts-summary").textContent = summary(data);
    fillTables(section.querySelector("#chart-tables"), data, labels);
    section.setAttribute("data-drawn", "true");
  }

  // A sample of each line (its colour and dash) and the objective's whole title; pressing an
  // item hides or shows its line, as Chart.js's own legend does.
  function fillLegend(list, chart) {
    list.replaceChildren.apply(list, chart.data.datasets.map(function (dataset, i) {
      var item = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "chart-legend-item";
      button.setAttribute("aria-pressed", String(chart.isDatasetVisible(i)));
      var sample = document.createElementNS("http://www.w3.org/2000/svg", "svg");
      sample.setAttribute("class", "chart-legend-line");
      sample.setAttribute("viewBox", "0 0 24 8");
      sample.setAttribute("aria-hidden", "true");
      var line = document.createElementNS("http://www.w3.org/2000/svg", "line");
      line.setAttribute("x1", "0"); line.setAttribute("y1", "4");
      line.setAttribute("x2", "24"); line.setAttribute("y2", "4");
      line.setAttribute("stroke", dataset.borderColor);
      line.setAttribute("stroke-width", "3");
      if (dataset.borderDash.length) line.setAttribute("stroke-dasharray", dataset.borderDash.join(" "));
      sample.appendChild(line);
      button.append(sample, document.createTextNode(dataset.label));
      button.addEventListener("click", function () {
        var shown = !chart.isDatasetVisible(i);
        chart.setDatasetVisibility(i, shown);
        chart.update("none");
        button.setAttribute("aria-pressed", String(shown));
      });
      item.appendChild(button);
      return item;
    }));
  }

  function summary(data) {
    if (!data.weeks.length) return "The cycle has not started: there is nothing to chart yet.";
    var now = data.weeks[data.weeks.length - 1];
    var text = "Now: " + now.on_track + " on track, " + now.at_risk + " at risk, " +
               now.off_track + " off track";
    if (data.weeks.length > 1) {
      var before = data.weeks[data.weeks.length - 2];
      text += " (a week before: " + before.on_track + " on track, " + before.at_risk +
              " at risk, " + before.off_track + " off track)";
    }
    text += ".";
    if (data.objectives_total > data.objectives.length) {
      text += " Scores of the first " + data.objectives.length + " of " +
              data.objectives_total + " top-level objectives; choose a team to see its own.";
    }
    return text;
  }

  function table(caption, head, rows) {
    var element = document.createElement("table");
    // "stack" (okrs.css): on a phone each row reads "week: value" instead of scrolling sideways.
    element.className = "chart-table stack";
    element.createCaption().textContent = caption;
    var headRow = element.createTHead().insertRow();
    head.forEach(function (text) {
      var cell = document.createElement("th");
      cell.scope = "col";
      cell.textContent = text;
      headRow.appendChild(cell);
    });
    var body = element.createTBody();
    rows.forEach(function (cells) {
      var row = body.insertRow();
      cells.forEach(function (text, i) {
        var cell = i === 0 ? document.createElement("th") : document.createElement("td");
        if (i === 0) cell.scope = "row";
        else cell.dataset.label = head[i];
        cell.textContent = text;
        row.appendChild(cell);
      });
    });
    return element;
  }

  function fillTables(box, data, labels) {
    var statusRows = data.weeks.map(function (week, i) {
      return [labels[i], String(week.on_track), String(week.at_risk), String(week.off_track)];
    });
    var scoreRows = data.objectives.map(function (objective) {
      return [objective.title].concat(objective.scores.map(percent));
    });
    box.replaceChildren(
      table("Key results by status, at the end of each week",
            ["Week ending", "On track", "At risk", "Off track"], statusRows),
      table("Score of each top-level objective, at the end of each week",
            ["Objective"].concat(labels), scoreRows)
    );
  }

  function load() {
    var section = document.getElementById("dashboard-charts");
    if (!section || typeof Chart === "undefined") return;
    var ticket = ++requested;
    fetch(section.getAttribute("data-src"), {
      credentials: "same-origin", headers: { Accept: "application/json" }
    }).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      return response.json();
    }).then(function (data) {
      if (ticket === requested) draw(section, data);  // an older answer never overwrites a newer
    }).catch(function () {
      section.querySelector("#charts-summary").textContent =
        "The charts could not be loaded just now; they are tried again with the next update.";
    });
  }

  // The live part was replaced: its figures changed, so the charts' may have too.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "dashboard-live") load();
  });

  // Which "more" lists are open survives a poll's swap.
  var opened = [];
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (!event.detail.target || event.detail.target.id !== "dashboard-live") return;
    opened = Array.prototype.map.call(
      document.querySelectorAll("#dashboard-live details[open][id]"),
      function (element) { return element.id; });
  });
  document.addEventListener("htmx:afterSettle", function () {
    opened.forEach(function (id) {
      var element = document.getElementById(id);
      if (element) element.open = true;
    });
    opened = [];
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", load);
  } else {
    load();
  }
})();
