// Dashboard charts of the action: every <canvas data-chart="{...}"> becomes a Chart.js chart.
// The data comes as JSON in the attribute (no inline script, so the page keeps its strict CSP).
(() => {
  "use strict";
  const PALETTE = ["#b3261e", "#1f6feb", "#2f855a", "#d69e2e", "#6b46c1", "#dd6b20",
                   "#0f766e", "#9f1239", "#4a5568", "#0369a1"];

  function config(spec) {
    const line = spec.type === "line";
    const datasets = spec.datasets.map((set, index) => ({
      label: set.label,
      data: set.data,
      backgroundColor: line ? PALETTE[index % PALETTE.length] + "33" : PALETTE[index % PALETTE.length],
      borderColor: PALETTE[index % PALETTE.length],
      borderWidth: line ? 2 : 0,
      tension: 0.25,
      fill: line,
      pointRadius: line ? 3 : 0,
    }));
    return {
      type: spec.type,
      data: { labels: spec.labels, datasets },
      options: {
        indexAxis: spec.horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { position: "bottom", labels: { boxWidth: 14 } } },
        scales: {
          x: { beginAtZero: true, ticks: { precision: 0, autoSkip: !spec.horizontal } },
          y: { beginAtZero: true, ticks: { precision: 0, autoSkip: false } },
        },
      },
    };
  }

  function draw() {
    if (typeof window.Chart === "undefined") return;
    window.Chart.defaults.font.family =
      '"PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", "Source Han Sans SC", sans-serif';
    window.Chart.defaults.color = "#3e4c59";
    document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
      const spec = JSON.parse(canvas.dataset.chart);
      canvas.chart = new window.Chart(canvas, config(spec));
      canvas.dataset.drawn = "true";
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
