// The trends charts. Kept in a file: the Content-Security-Policy allows no inline script.
// The page puts its data in <script id="trends-data" type="application/json"> (json_script);
// every chart has a data table beside it with the same numbers, so nothing is lost without
// script or for screen readers.
(function () {
  "use strict";

  var SCORES = ["pain", "fatigue", "sleep_quality", "mood"];
  var EFFECTS = ["vivid_dreams", "insomnia", "headache", "nausea", "other_effect"];
  // Distinguishable colours (Okabe-Ito), with dashes so colour is not the only cue.
  var COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00"];
  var DASHES = [[], [6, 3], [2, 2], [8, 3, 2, 3], [1, 3]];
  var DOSE_COLOUR = "#333333";

  function line(data, name, index, axis) {
    return {
      type: "line",
      label: data.names[name],
      data: data.series[name],
      yAxisID: axis,
      borderColor: COLOURS[index % COLOURS.length],
      backgroundColor: COLOURS[index % COLOURS.length],
      borderDash: DASHES[index % DASHES.length],
      borderWidth: 2,
      pointRadius: 2,
      spanGaps: false,
      tension: 0,
    };
  }

  function doseLine(data) {
    return {
      type: "line",
      label: data.names.dose,
      data: data.series.dose,
      yAxisID: "dose",
      stepped: true,
      borderColor: DOSE_COLOUR,
      backgroundColor: DOSE_COLOUR,
      borderWidth: 3,
      pointRadius: 0,
      spanGaps: false,
    };
  }

  function doseAxis(data) {
    return {
      position: "right",
      beginAtZero: true,
      suggestedMax: 5,
      title: { display: true, text: data.axes.dose },
      grid: { drawOnChartArea: false },
    };
  }

  function draw(canvas, data, datasets, left) {
    return new window.Chart(canvas, {
      data: { labels: data.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { position: "bottom" } },
        scales: {
          x: { ticks: { autoSkip: true, maxTicksLimit: 8, maxRotation: 0 } },
          left: left,
          dose: doseAxis(data),
        },
      },
    });
  }

  function start() {
    var source = document.getElementById("trends-data");
    if (!source || !window.Chart) {
      return;
    }
    var data = JSON.parse(source.textContent);
    var scores = document.getElementById("chart-scores");
    if (scores) {
      draw(
        scores,
        data,
        SCORES.map(function (name, i) { return line(data, name, i, "left"); }).concat([doseLine(data)]),
        { position: "left", min: 0, max: 10, title: { display: true, text: data.axes.score } }
      );
    }
    var effects = document.getElementById("chart-effects");
    if (effects) {
      draw(
        effects,
        data,
        EFFECTS.map(function (name, i) { return line(data, name, i, "left"); }).concat([doseLine(data)]),
        {
          position: "left",
          min: 0,
          max: 3,
          title: { display: true, text: data.axes.severity },
          ticks: {
            stepSize: 1,
            callback: function (value) { return data.severities[value] || ""; },
          },
        }
      );
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
