// The controls above every view: period (with presets), time zone, compare-to, granularity, and
// the ReportFilter's filters; inboxes, channels, users and teams are picked by name.

import { graphql } from "./api.js";
import { LIST_FILTERS, PRESETS, presetRange } from "./state.js";
import { el } from "./ui.js";

const GRANULARITIES = ["DAY", "WEEK", "MONTH", "QUARTER", "YEAR"];
const LABELS = { inboxes: "Inboxes", channels: "Channels", users: "Users", teams: "Teams" };

/** Names to pick from: inboxes, teams and users by name; channels as they appear in the data. */
export async function loadChoices(catalog) {
  const withChannel = catalog.find((metric) => metric.dimensions.includes("CHANNEL") && metric.fields.length);
  const year = new Date().getFullYear(); // nine years around today: within the period limit
  const channelPart = withChannel
    ? `channels: report(filter: { from: "${year - 4}-01-01", to: "${year + 4}-12-31" }) {
         breakdown(by: [CHANNEL], limit: 50) { key label ${fieldOf(withChannel)} } }`
    : "";
  const { data } = await graphql(`{ inboxes { id name } teams { id name }
    users(first: 100) { edges { node { id name isBot } } } ${channelPart} }`);
  return {
    inboxes: data.inboxes.map(({ id, name }) => ({ id, name })),
    teams: data.teams.map(({ id, name }) => ({ id, name })),
    users: data.users.edges
      .map((e) => e.node)
      .filter((u) => !u.isBot)
      .map(({ id, name }) => ({ id, name })),
    channels: (data.channels?.breakdown ?? [])
      .filter((g) => g.key != null)
      .map((g) => ({ id: g.key, name: g.label })),
  };
}

/** A metric's first field as a GraphQL selection: CSAT_RESPONSES of csat -> "csat { responses }". */
function fieldOf(metric) {
  const prefix = metric.name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase() + "_";
  const rest = metric.fields[0].slice(prefix.length).toLowerCase();
  return `${metric.name} { ${rest.replace(/_([a-z])/g, (_, c) => c.toUpperCase())} }`;
}

function picker(name, options, chosen, onChange) {
  const summary = el("summary", {});
  const describe = () => {
    const names = options.filter((o) => chosen.has(o.id)).map((o) => o.name);
    summary.textContent = `${LABELS[name]}: ${names.length ? names.join(", ") : "all"}`;
  };
  describe();
  const boxes = options.map((option) =>
    el(
      "label",
      {},
      el("input", {
        type: "checkbox",
        name,
        value: option.id,
        checked: chosen.has(option.id),
        onchange: (event) => {
          if (event.target.checked) chosen.add(option.id);
          else chosen.delete(option.id);
          describe();
          onChange([...chosen]);
        },
      }),
      ` ${option.name}`,
    ),
  );
  return el(
    "details",
    { class: "pick", "data-filter": name },
    summary,
    el("div", { class: "options" }, boxes),
  );
}

/** The controls form; `change(patch)` is called with the state fields that changed. */
export function controls(state, choices, extraFilters, change) {
  const from = el("input", { type: "date", name: "from", value: state.from, required: true });
  const to = el("input", { type: "date", name: "to", value: state.to, required: true });
  const preset = el(
    "select",
    { name: "preset" },
    el("option", { value: "" }, "Custom"),
    Object.entries(PRESETS).map(([key, p]) =>
      el("option", { value: key, selected: state.preset === key }, p.label),
    ),
  );
  preset.addEventListener("change", () => {
    if (!preset.value) return;
    const [f, t] = presetRange(preset.value);
    from.value = f;
    to.value = t;
    change({ preset: preset.value, from: f, to: t });
  });
  const dates = () => {
    if (from.value && to.value) {
      preset.value = "";
      change({ preset: "", from: from.value, to: to.value });
    }
  };
  from.addEventListener("change", dates);
  to.addEventListener("change", dates);

  const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  const timezone = el("input", {
    name: "timezone",
    list: "zones",
    value: state.timezone ?? "",
    placeholder: "account's time zone",
    onchange: (event) => change({ timezone: event.target.value.trim() }),
  });
  const compare = el(
    "select",
    { name: "compare", onchange: (event) => change({ compare: event.target.value }) },
    el("option", { value: "PERIOD", selected: state.compare === "PERIOD" }, "Previous period"),
    el("option", { value: "YEAR", selected: state.compare === "YEAR" }, "Previous year"),
  );
  const granularity = el(
    "select",
    { name: "granularity", onchange: (event) => change({ granularity: event.target.value }) },
    GRANULARITIES.map((g) =>
      el("option", { value: g, selected: state.granularity === g }, g[0] + g.slice(1).toLowerCase()),
    ),
  );

  const pickers = LIST_FILTERS.filter((name) => choices[name].length).map((name) =>
    picker(name, choices[name], new Set(state[name]), (values) => change({ [name]: values })),
  );
  const extras = extraFilters.map((name) =>
    el(
      "label",
      { class: "field" },
      name,
      el("input", {
        name: `f.${name}`,
        value: (state.extra[name] ?? []).join(", "),
        placeholder: "any",
        onchange: (event) =>
          change({
            extra: {
              ...state.extra,
              [name]: event.target.value
                .split(",")
                .map((v) => v.trim())
                .filter(Boolean),
            },
          }),
      }),
    ),
  );

  return el(
    "form",
    { class: "controls", onsubmit: (event) => event.preventDefault() },
    el("label", { class: "field" }, "Period", preset),
    el("label", { class: "field" }, "From", from),
    el("label", { class: "field" }, "To", to),
    el(
      "label",
      { class: "field" },
      "Time zone",
      timezone,
      el(
        "datalist",
        { id: "zones" },
        zones.map((z) => el("option", { value: z })),
      ),
    ),
    el("label", { class: "field" }, "Compare to", compare),
    el("label", { class: "field" }, "Series by", granularity),
    el(
      "div",
      { class: "filters" },
      pickers,
      extras.length
        ? el(
            "details",
            { class: "pick more" },
            el("summary", {}, "More filters"),
            el("div", { class: "options" }, extras),
          )
        : null,
    ),
  );
}
