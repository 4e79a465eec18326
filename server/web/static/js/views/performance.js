// iAdvize's performance report (seeds/004): conversion rate, revenue per currency, automation
// rate, CSAT and conversations, and the same by theme.

import { graphql } from "../api.js";
import * as drill from "../drill.js";
import { change, money, number, percent } from "../format.js";
import { withGroup } from "../state.js";
import { COLOURS, bars, card, cards, chart, charts, el, link, notes, section, table } from "../ui.js";

const query = (withCsat) => `query Performance($f: ReportFilter!, $shift: Shift!, $g: Granularity!) {
  report(filter: $f) {
    conversion { rate converted closed }
    revenue { transactions totals { currency amount } averageOrderValue { currency amount } }
    automation { rate automated closed }
    ${withCsat ? "csat { score responses }" : ""}
    volume { created closed }
    previous(shift: $shift) { conversion { rate } automation { rate } volume { created } ${withCsat ? "csat { score }" : ""} }
    series(granularity: $g) { start end conversion { rate } automation { rate } }
    byTheme: breakdown(by: [THEME], orderBy: CONVERSION_RATE) {
      key label conversion { rate converted closed } revenue { totals { currency amount } }
      automation { rate } volume { created } ${withCsat ? "csat { score }" : ""}
    }
  }
}`;

const totals = (list) => (list.length ? list.map(money).join(", ") : "–");

export default {
  id: "performance",
  title: "Performance",
  heading: "Performance: conversion, revenue, automation",
  requires: ["conversion", "revenue", "automation", "volume"],
  async render({ filter, shift, granularity, installed }) {
    const withCsat = installed.has("csat");
    const { data, errors } = await graphql(query(withCsat), { f: filter, shift, g: granularity });
    const r = data.report;
    const vs = shift === "YEAR" ? "previous year" : "previous period";
    const themeDrill = (g) => {
      const scoped = withGroup(filter, "THEME", g.key);
      return scoped && (() => drill.conversations(`Theme ${g.label}: conversations`, scoped));
    };
    return el(
      "div",
      {},
      notes(errors),
      cards(
        card({
          label: "Conversion rate",
          field: "report.conversion.rate",
          value: r.conversion.rate,
          text: percent(r.conversion.rate),
          note: `${number(r.conversion.converted)} of ${number(r.conversion.closed)} closed · ${change(r.conversion.rate, r.previous.conversion.rate, vs)}`,
          help: "closed conversations with a transaction",
        }),
        ...r.revenue.totals.map((t, i) =>
          card({
            label: `Revenue (${t.currency})`,
            field: `report.revenue.totals.${i}.amount`,
            value: t.amount,
            text: money(t),
            note: `average order ${money(r.revenue.averageOrderValue.find((a) => a.currency === t.currency) ?? t)}`,
          }),
        ),
        card({
          label: "Transactions",
          field: "report.revenue.transactions",
          value: r.revenue.transactions,
          text: number(r.revenue.transactions),
        }),
        card({
          label: "Automation rate",
          field: "report.automation.rate",
          value: r.automation.rate,
          text: percent(r.automation.rate),
          note: `${number(r.automation.automated)} automated · ${change(r.automation.rate, r.previous.automation.rate, vs)}`,
          help: "closed with a bot reply and no human reply",
        }),
        withCsat &&
          card({
            label: "CSAT",
            field: "report.csat.score",
            value: r.csat.score,
            text: percent(r.csat.score),
            note: change(r.csat.score, r.previous.csat.score, vs),
            onclick: () => drill.ratings("CSAT ratings", filter, { surveys: ["CSAT"] }),
          }),
        card({
          label: "Conversations",
          field: "report.volume.created",
          value: r.volume.created,
          text: number(r.volume.created),
          note: change(r.volume.created, r.previous.volume.created, vs),
          onclick: () => drill.conversations("Conversations created", filter),
        }),
      ),
      charts(
        chart(
          "Conversion and automation over time",
          {
            type: "line",
            data: {
              labels: r.series.map((b) => b.start),
              datasets: [
                {
                  label: "conversion rate (%)",
                  data: r.series.map((b) => b.conversion.rate),
                  borderColor: COLOURS.blue,
                  backgroundColor: COLOURS.blue,
                  spanGaps: true,
                },
                {
                  label: "automation rate (%)",
                  data: r.series.map((b) => b.automation.rate),
                  borderColor: COLOURS.series[4],
                  backgroundColor: COLOURS.series[4],
                  spanGaps: true,
                },
              ],
            },
          },
          { axes: { y: "%" } },
        ),
        chart(
          "Conversion rate by theme",
          bars(
            r.byTheme.map((g) => g.label),
            "conversion rate (%)",
            r.byTheme.map((g) => g.conversion.rate),
            COLOURS.great,
            { horizontal: true },
          ),
          {
            axes: { x: "conversion rate (%)" },
            height: Math.max(220, 28 * r.byTheme.length),
            onPick: (i) => themeDrill(r.byTheme[i])?.(),
          },
        ),
      ),
      section(
        "Performance by theme",
        table(
          [
            {
              label: "Theme",
              cell: (g) => {
                const open = themeDrill(g);
                return open ? link(g.label, open) : g.label;
              },
            },
            { label: "Conversion", numeric: true, cell: (g) => percent(g.conversion.rate) },
            { label: "Closed", numeric: true, cell: (g) => number(g.conversion.closed) },
            { label: "Revenue", numeric: true, cell: (g) => totals(g.revenue.totals) },
            { label: "Automation", numeric: true, cell: (g) => percent(g.automation.rate) },
            ...(withCsat ? [{ label: "CSAT", numeric: true, cell: (g) => percent(g.csat.score) }] : []),
            { label: "Conversations", numeric: true, cell: (g) => number(g.volume.created) },
          ],
          r.byTheme,
        ),
      ),
    );
  },
};
