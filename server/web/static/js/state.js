// The dashboard's state lives in the URL (view, period, zone, filters), so a view can be shared.

export const LIST_FILTERS = ["inboxes", "channels", "users", "teams"];
const SCALARS = ["view", "from", "to", "timezone", "compare", "granularity", "group", "preset"];

function iso(day) {
  return `${day.getFullYear()}-${String(day.getMonth() + 1).padStart(2, "0")}-${String(day.getDate()).padStart(2, "0")}`;
}

function addDays(day, days) {
  const copy = new Date(day);
  copy.setDate(copy.getDate() + days);
  return copy;
}

/** Period presets, relative to today (local calendar days). */
export const PRESETS = {
  last7: { label: "Last 7 days", range: (t) => [addDays(t, -6), t] },
  last30: { label: "Last 30 days", range: (t) => [addDays(t, -29), t] },
  thisMonth: { label: "This month", range: (t) => [new Date(t.getFullYear(), t.getMonth(), 1), t] },
  lastMonth: {
    label: "Last month",
    range: (t) => [
      new Date(t.getFullYear(), t.getMonth() - 1, 1),
      new Date(t.getFullYear(), t.getMonth(), 0),
    ],
  },
  lastQuarter: {
    label: "Last quarter",
    range: (t) => {
      const q = Math.floor(t.getMonth() / 3);
      return [new Date(t.getFullYear(), 3 * q - 3, 1), new Date(t.getFullYear(), 3 * q, 0)];
    },
  },
  last365: { label: "Last 365 days", range: (t) => [addDays(t, -364), t] },
};

export function presetRange(name, today = new Date()) {
  return PRESETS[name].range(today).map(iso);
}

export function readState(search = location.search) {
  const params = new URLSearchParams(search);
  const state = { compare: "PERIOD", granularity: "DAY", group: "USER", extra: {} };
  for (const key of SCALARS) if (params.get(key)) state[key] = params.get(key);
  for (const key of LIST_FILTERS) state[key] = params.getAll(key);
  for (const [key, value] of params) {
    if (key.startsWith("f."))
      state.extra[key.slice(2)] = value
        .split(",")
        .map((v) => v.trim())
        .filter(Boolean);
  }
  if (!state.from || !state.to) {
    state.preset = state.preset in PRESETS ? state.preset : "last30";
    [state.from, state.to] = presetRange(state.preset);
  }
  return state;
}

export function writeState(state) {
  const params = new URLSearchParams();
  for (const key of SCALARS) if (state[key]) params.set(key, state[key]);
  for (const key of LIST_FILTERS) for (const value of state[key] ?? []) params.append(key, value);
  for (const [key, values] of Object.entries(state.extra ?? {}))
    if (values.length) params.set(`f.${key}`, values.join(","));
  history.replaceState(null, "", `?${params}`);
}

/** The ReportFilter of the state: empty lists are left out (no filter). */
export function reportFilter(state) {
  const filter = { from: state.from, to: state.to };
  if (state.timezone) filter.timezone = state.timezone;
  for (const key of LIST_FILTERS) if (state[key]?.length) filter[key] = state[key];
  for (const [key, values] of Object.entries(state.extra ?? {})) if (values.length) filter[key] = values;
  return filter;
}

/** The filter argument a group's dimension adds, for drill-downs; null for a group without a key. */
const FILTER_OF = {
  USER: "users",
  TEAM: "teams",
  INBOX: "inboxes",
  CHANNEL: "channels",
  THEME: "themes",
  COUNTRY: "countries",
  BROWSER: "browsers",
  OS: "operatingSystems",
  PIPELINE: "pipelines",
};

export function withGroup(filter, dimension, key) {
  const argument = FILTER_OF[dimension];
  if (!argument || key == null) return null;
  return { ...filter, [argument]: [key] };
}
