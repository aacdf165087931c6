// The trends charts. Kept in a file: the Content-Security-Policy allows no inline script.
// The page puts its data in <script id="trends-data" type="application/json"> (json_script);
// the summary and the data tables say the same in words and numbers, so nothing is lost
// without script or for screen readers.
//
// One small chart per measure, stacked, all on the same days: each day's score as a faint
// point, the 7-day mean as a line, and the dose steps as shaded, labelled bands behind.
(function () {
  "use strict";

  var MEASURES = ["pain", "fatigue", "sleep_quality", "mood"];
  // Distinguishable colours (Okabe-Ito).
  var COLOURS = { pain: "#0072B2", fatigue: "#D55E00", sleep_quality: "#009E73", mood: "#CC79A7" };
  var EFFECT_COLOURS = ["#bbbbbb", "#E69F00", "#D55E00", "#9A1F00"];
  var AXIS_WIDTH = 42;

  function faint(hex) {
    var n = parseInt(hex.slice(1), 16);
    return "rgba(" + (n >> 16) + "," + ((n >> 8) & 255) + "," + (n & 255) + ",0.35)";
  }

  // The dose steps: a shaded band per run of days on one dose, its dose written at the top
  // left when the band is wide enough to hold it.
  var doseBands = {
    id: "doseBands",
    beforeDatasetsDraw: function (chart, args, options) {
      var bands = options.bands || [];
      if (!bands.length) return;
      var x = chart.scales.x;
      var area = chart.chartArea;
      var ctx = chart.ctx;
      var half = chart.data.labels.length > 1 ? (x.getPixelForValue(1) - x.getPixelForValue(0)) / 2 : 0;
      ctx.save();
      ctx.font = "600 11px system-ui, sans-serif";
      ctx.textBaseline = "top";
      bands.forEach(function (band, i) {
        var left = Math.max(area.left, x.getPixelForValue(band.first) - half);
        var right = Math.min(area.right, x.getPixelForValue(band.last) + half);
        ctx.fillStyle = i % 2 ? "rgba(51,51,51,0.13)" : "rgba(51,51,51,0.06)";
        ctx.fillRect(left, area.top, right - left, area.bottom - area.top);
        ctx.fillStyle = "#333333";
        ctx.fillRect(left, area.top, 1, area.bottom - area.top);
        var width = ctx.measureText(band.label).width;
        if (width + 6 <= right - left) {
          ctx.fillText(band.label, left + 3, area.top + 2);
        }
      });
      ctx.restore();
    },
  };

  function xAxis(canvas, showTicks) {
    // Few enough dates that they never touch: about one per 72 px of width.
    var limit = Math.max(2, Math.floor((canvas.parentNode.clientWidth - AXIS_WIDTH) / 72));
    return {
      offset: true,
      grid: { display: false },
      ticks: {
        display: showTicks,
        autoSkip: true,
        autoSkipPadding: 16,
        maxTicksLimit: limit,
        maxRotation: 0,
        minRotation: 0,
        font: { size: 11 },
      },
    };
  }

  function yAxis(extra) {
    var axis = {
      afterFit: function (scale) { scale.width = AXIS_WIDTH; },
      ticks: { font: { size: 11 } },
    };
    Object.keys(extra).forEach(function (key) { axis[key] = extra[key]; });
    return axis;
  }

  function draw(canvas, data, datasets, y, showTicks) {
    return new window.Chart(canvas, {
      data: { labels: data.labels, datasets: datasets },
      plugins: [doseBands],
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        layout: { padding: { right: 4 } },
        plugins: {
          legend: { display: false },
          doseBands: { bands: data.bands },
          tooltip: {
            callbacks: {
              afterBody: function (items) {
                var dose = items.length ? data.series.dose[items[0].dataIndex] : null;
                return dose === null || dose === undefined ? "" : data.names.dose + ": " + dose;
              },
            },
          },
        },
        scales: { x: xAxis(canvas, showTicks), y: y },
      },
    });
  }

  function measureChart(canvas, data, name, showTicks) {
    var colour = COLOURS[name];
    return draw(
      canvas,
      data,
      [
        {
          type: "line",
          label: data.mean_label,
          data: data.means[name],
          borderColor: colour,
          backgroundColor: colour,
          borderWidth: 2.5,
          pointRadius: 0,
          spanGaps: false,
          tension: 0.2,
        },
        {
          type: "line",
          label: data.daily_label,
          data: data.series[name],
          showLine: false,
          pointRadius: 2.5,
          pointBackgroundColor: faint(colour),
          pointBorderColor: faint(colour),
        },
      ],
      yAxis({ min: 0, max: 10, ticks: { stepSize: 5, font: { size: 11 } } }),
      showTicks
    );
  }

  function effectsChart(canvas, data, showTicks) {
    return draw(
      canvas,
      data,
      [
        {
          type: "bar",
          label: data.worst_label,
          data: data.worst.map(function (v) { return v ? v : null; }),
          backgroundColor: data.worst.map(function (v) { return EFFECT_COLOURS[v || 0]; }),
          barPercentage: 0.9,
          categoryPercentage: 1,
        },
      ],
      yAxis({
        min: 0,
        max: 3,
        ticks: {
          stepSize: 1,
          font: { size: 10 },
          // Mild and severe only: four words do not fit beside a small chart.
          callback: function (value) { return value === 1 || value === 3 ? data.severities[value] : ""; },
        },
      }),
      showTicks
    );
  }

  function start() {
    var source = document.getElementById("trends-data");
    if (!source || !window.Chart) return;
    var data = JSON.parse(source.textContent);
    // One chart per task, so the page stays responsive while they are drawn.
    var jobs = MEASURES.map(function (name) {
      return function () {
        var canvas = document.getElementById("chart-" + name);
        if (canvas) measureChart(canvas, data, name, true);
      };
    });
    jobs.push(function () {
      var effects = document.getElementById("chart-effects");
      if (effects) effectsChart(effects, data, true);
    });
    // A chart is drawn as it comes near the screen: a phone shows one or two at first.
    if (!("IntersectionObserver" in window)) {
      jobs.forEach(function (job) { job(); });
      return;
    }
    var canvases = MEASURES.concat(["effects"]).map(function (name) {
      return document.getElementById("chart-" + name);
    });
    var observer = new IntersectionObserver(
      function (entries) {
        entries.forEach(function (entry) {
          if (!entry.isIntersecting) return;
          observer.unobserve(entry.target);
          var job = jobs[canvases.indexOf(entry.target)];
          window.setTimeout(job, 0);
        });
      },
      { rootMargin: "200px 0px" }
    );
    canvases.forEach(function (canvas) {
      if (canvas) observer.observe(canvas);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
