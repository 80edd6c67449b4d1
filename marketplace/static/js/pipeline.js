// Pipeline charts (Chart.js). The tables beside them carry the same numbers without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  if (typeof window.Chart === "undefined") return;
  const read = (element, name) => JSON.parse(element.dataset[name]);
  const colours = ["#b3261e", "#1f5fa8", "#2e7d32", "#ef6c00", "#6d4c41"];
  // On a phone a 2:1 chart is too flat to read: taller there, the legend under the bars.
  const narrow = window.matchMedia("(max-width: 600px)").matches;

  const funnel = document.getElementById("funnel-chart");
  if (funnel) {
    funnel.classList.add("chart-ready");
    const values = read(funnel, "values");
    // Views usually dwarf the later stages: a logarithmic axis keeps deals visible.
    const logarithmic = Math.max(...values) > 100;
    new window.Chart(funnel, {
      type: "bar",
      data: {
        labels: read(funnel, "labels"),
        datasets: [{ label: read(funnel, "series"), data: values,
                     backgroundColor: colours.slice(0, 4) }],
      },
      options: {
        indexAxis: "y", animation: false, aspectRatio: narrow ? 1.4 : 2,
        plugins: { legend: { display: false } },
        scales: {
          x: logarithmic
            ? { type: "logarithmic", min: 0.8,
                ticks: { callback: (value) => (Number.isInteger(Math.log10(value)) ? value : "") } }
            : { beginAtZero: true, ticks: { precision: 0 } },
        },
      },
    });
  }

  const declines = document.getElementById("declines-chart");
  if (declines) {
    declines.classList.add("chart-ready");
    const reasons = read(declines, "reasons"); // [[key, label], ...] in the table's order
    const counts = read(declines, "declines");
    new window.Chart(declines, {
      type: "bar",
      data: {
        labels: read(declines, "months"),
        datasets: reasons.map(([key, label], index) => ({
          label, data: counts[key], backgroundColor: colours[index % colours.length],
        })),
      },
      options: {
        animation: false, aspectRatio: narrow ? 0.9 : 2,
        plugins: { legend: { position: "bottom", labels: { boxWidth: 14 } } },
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
    // The chart shows the numbers now; the table stays one click away.
    const table = declines.parentElement.querySelector("details.chart-table");
    if (table) table.open = false;
  }
});
