// How numbers read: counts with separators, percentages, durations in words, money by currency.

const count = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const decimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

export const NONE = "–";

export function number(value) {
  return value == null ? NONE : count.format(value);
}

export function score(value) {
  return value == null ? NONE : decimal.format(value);
}

export function percent(value) {
  return value == null ? NONE : `${count.format(value)} %`;
}

export function duration(seconds) {
  if (seconds == null) return NONE;
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.round((s % 86400) / 3600)} h`;
}

export function hours(seconds) {
  return seconds == null ? null : seconds / 3600;
}

export function money({ currency, amount }) {
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency }).format(amount);
  } catch {
    return `${amount} ${currency}`;
  }
}

export function weekday(name) {
  return name ? name[0] + name.slice(1).toLowerCase() : NONE;
}

export function dateTime(iso) {
  return iso ? new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }) : NONE;
}

/** The change from the previous period, e.g. "▲ 3.2 vs previous period". */
export function change(value, previous, label) {
  if (value == null || previous == null) return `no ${label} figure`;
  const delta = value - previous;
  const arrow = delta > 0 ? "▲" : delta < 0 ? "▼" : "=";
  return `${arrow} ${decimal.format(Math.abs(delta))} vs ${label}`;
}
