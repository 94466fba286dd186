/* 数据看板: draws the charts from the JSON block the page carries (the same numbers as its tables).
   Chart.js is served from app/static/vendor/chartjs; nothing is loaded from elsewhere. */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || typeof window.Chart === "undefined") { return; }
  var charts = JSON.parse(source.textContent);
  var palette = ["#1f6f43", "#c77c02", "#2f7ebd", "#8e44ad", "#a94442", "#16a085", "#7f8c8d", "#d35400",
                 "#27ae60", "#2c3e50", "#b8860b", "#5d6d7e"];
  var Chart = window.Chart;
  Chart.defaults.font.family = '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif';
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;

  function draw(canvas) {
    var spec = charts[canvas.getAttribute("data-chart")];
    var hasData = spec && spec.series.some(function (series) {
      return series.data.some(function (value) { return value; });
    });
    if (!hasData) {  /* nothing to draw: the table below says 0 */
      canvas.parentNode.classList.add("chart-empty");
      return;
    }
    var doughnut = spec.kind === "doughnut";
    var datasets = spec.series.map(function (series, index) {
      return {
        label: series.label,
        data: series.data,
        backgroundColor: doughnut ? palette.slice(0, series.data.length) : palette[index % palette.length],
        borderWidth: doughnut ? 1 : 0
      };
    });
    var options = { responsive: true, plugins: { legend: { display: doughnut || datasets.length > 1 } } };
    if (!doughnut) {
      options.indexAxis = spec.horizontal ? "y" : "x";
      var valueAxis = spec.horizontal ? "x" : "y";
      options.scales = {};
      options.scales[valueAxis] = { beginAtZero: true, ticks: { precision: 0 } };
    } else {
      options.plugins.legend.position = "right";
    }
    new Chart(canvas, { type: spec.kind, data: { labels: spec.labels, datasets: datasets }, options: options });
  }

  Array.prototype.forEach.call(document.querySelectorAll("canvas[data-chart]"), draw);
}());
