// Small DOM helpers shared by the views: elements, headline cards, tables, charts, sections.

/** el("p", { class: "x", onclick }, "text", child…) */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value == null || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  node.append(
    ...children
      .flat()
      .filter((c) => c != null)
      .map((c) => (c instanceof Node ? c : String(c))),
  );
  return node;
}

export function section(title, ...children) {
  return el("section", { class: "panel" }, el("h2", {}, title), ...children);
}

/**
 * A headline number. `field` is its path in the API's answer (e.g. "report.csat.score"); the raw
 * value travels in data-value so that it can be compared with the API's answer.
 */
export function card({ label, value, text, field, note, onclick, help }) {
  const body = el("div", { class: "value" }, text);
  const attributes = {
    class: "card",
    "data-field": field,
    "data-value": JSON.stringify(value ?? null),
    title: help,
  };
  if (onclick) {
    return el(
      "button",
      { ...attributes, type: "button", class: "card drill", onclick },
      el("div", { class: "label" }, label),
      body,
      note && el("div", { class: "note" }, note),
    );
  }
  return el(
    "div",
    attributes,
    el("div", { class: "label" }, label),
    body,
    note && el("div", { class: "note" }, note),
  );
}

export function cards(...items) {
  return el("div", { class: "cards" }, ...items);
}

/** A table: columns are { label, cell(row) -> Node|string, numeric }. */
export function table(columns, rows, { caption, empty = "Nothing in this period." } = {}) {
  if (!rows.length) return el("p", { class: "empty" }, empty);
  return el(
    "div",
    { class: "table-wrap" },
    el(
      "table",
      {},
      caption && el("caption", {}, caption),
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          columns.map((c) => el("th", { class: c.numeric ? "num" : null, scope: "col" }, c.label)),
        ),
      ),
      el(
        "tbody",
        {},
        rows.map((row) =>
          el(
            "tr",
            {},
            columns.map((c) => el("td", { class: c.numeric ? "num" : null }, c.cell(row))),
          ),
        ),
      ),
    ),
  );
}

export function link(text, onclick, title) {
  return el("button", { type: "button", class: "link", onclick, title }, text);
}

export const COLOURS = {
  great: "#2e9d5b",
  okay: "#e0a526",
  bad: "#d64545",
  blue: "#3b6fd1",
  grey: "#8c96a3",
  series: ["#3b6fd1", "#2e9d5b", "#e0a526", "#d64545", "#8a5cc7", "#1fa2b8", "#c76a1f", "#5d6b7a"],
};

/** A bar chart of one series, without a legend (its title says what the bars are). */
export function bars(labels, label, data, colour, { horizontal = false } = {}) {
  return {
    type: "bar",
    ...(horizontal ? { horizontal: true } : {}),
    data: { labels, datasets: [{ label, data, backgroundColor: colour }] },
    options: { plugins: { legend: { display: false } } },
  };
}

/**
 * A chart in a titled box. `config` is Chart.js's (plus `horizontal` for bars); `onPick(index, datasetIndex)` is called when
 * a bar, point or slice is clicked (the drill-downs).
 */
export function chart(title, config, { onPick, height = 260, axes = {} } = {}) {
  const canvas = el("canvas", { role: "img", "aria-label": title });
  const box = el(
    "figure",
    { class: "chart", "data-chart": title },
    el("figcaption", {}, title, onPick && el("span", { class: "hint" }, " · click for details")),
    el("div", { class: "canvas", style: `height:${height}px` }, canvas),
  );
  const scales =
    config.type === "doughnut"
      ? {}
      : {
          x: {
            title: { display: Boolean(axes.x), text: axes.x },
            ticks: { autoSkip: true, maxRotation: 50 },
            beginAtZero: true,
          },
          y: {
            title: { display: Boolean(axes.y), text: axes.y },
            beginAtZero: true,
            ticks: { autoSkip: config.horizontal !== true },
          },
        };
  // Drawn once the box is in the page, when its size is known.
  requestAnimationFrame(() => {
    const options = config.options ?? {};
    const { horizontal, ...chartConfig } = config;
    new Chart(canvas, {
      ...chartConfig,
      options: {
        indexAxis: horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "nearest", intersect: true },
        scales,
        ...options,
        plugins: { legend: { position: "bottom" }, ...(options.plugins ?? {}) },
        onClick:
          onPick &&
          ((_event, elements) => elements.length && onPick(elements[0].index, elements[0].datasetIndex)),
        onHover:
          onPick &&
          ((event, elements) => {
            event.native.target.style.cursor = elements.length ? "pointer" : "default";
          }),
      },
    });
    canvas.dataset.drawn = "true";
  });
  return box;
}

export function charts(...items) {
  return el("div", { class: "charts" }, ...items);
}

export function notes(errors) {
  return errors.length
    ? el("p", { class: "error", role: "alert" }, `Some numbers could not be computed: ${errors.join("; ")}`)
    : null;
}
