/* The 三率 dashboard's charts. Each <div data-chart="ID"> is drawn with Apache ECharts from the
   JSON in <script type="application/json" id="ID">, which the server builds from the same cells as
   the table below the chart. No inline script: everything the page runs is in static files. */
(function () {
  "use strict";
  if (typeof echarts === "undefined") { return; }

  var PALETTE = ["#1f5fa8", "#c0392b", "#2e8b57", "#8e5b00", "#6a3d9a", "#555555"];

  function narrow() { return window.innerWidth < 600; }

  function option(data, title) {
    var unit = data.unit || "";
    var line = data.kind === "line";
    var rows = data.categories.length;
    var valueAxis = {
      type: "value",
      axisLabel: { formatter: "{value}" + (unit === "%" ? "%" : ""), fontSize: 12 },
      max: unit === "%" ? 100 : null,
      min: 0
    };
    var categoryAxis = {
      type: "category",
      data: data.categories,
      axisLabel: { fontSize: 12, width: narrow() ? 84 : 160, overflow: "truncate", interval: 0 }
    };
    // Bars run sideways (one row per community or department) so long Chinese names fit a phone.
    var horizontal = !line;
    return {
      color: PALETTE,
      animation: false,
      aria: { enabled: true },
      tooltip: { trigger: "axis" },
      // Every series named at once: the legend wraps onto a second line on a phone instead of paging.
      legend: { top: 0, left: 0, right: 0, type: "plain", itemGap: 8, textStyle: { fontSize: 13 } },
      grid: { top: legendHeight(data), left: 8, right: line ? 16 : 44, bottom: 8, containLabel: true },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? Object.assign({ inverse: true }, categoryAxis) : valueAxis,
      series: data.series.map(function (series) {
        var suffix = series.unit === "%" ? "%" : " " + series.unit;
        var shown = function (value) {
          // As the table prints it: rates and scores with one decimal, counts as they are.
          return value === null || value === undefined ? "—" : Number(value).toFixed(series.decimals || 0);
        };
        return {
          name: series.name,
          tooltip: { valueFormatter: function (value) {
            return shown(value) + (value === null || value === undefined ? "" : suffix);
          } },
          type: line ? "line" : "bar",
          data: series.data,
          connectNulls: false,
          barMaxWidth: 18,
          label: { show: !line && rows * data.series.length <= 12, position: "right", fontSize: 11,
                   formatter: function (p) { return shown(p.value); } }
        };
      }),
      title: { show: false, text: title }
    };
  }

  function legendHeight(data) {
    return narrow() && data.series.length > 2 ? 64 : 40;
  }

  function height(data) {
    if (data.kind === "line") { return 300 + legendHeight(data) - 40; }
    return Math.max(180, legendHeight(data) + 20 + data.categories.length * data.series.length * 22);
  }

  var charts = [];
  document.querySelectorAll("[data-chart]").forEach(function (element) {
    var source = document.getElementById(element.getAttribute("data-chart"));
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    element.style.height = height(data) + "px";
    var chart = echarts.init(element, null, { renderer: "svg" });
    chart.setOption(option(data, element.getAttribute("data-chart-title") || ""));
    element.setAttribute("data-chart-drawn", "true");
    charts.push(chart);
  });
  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
}());
