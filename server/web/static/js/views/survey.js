// The survey tool's reporting anatomy (seeds/001): CSAT, NPS and CES distributions, NPS loyalty,
// the daily mean and median, and source, browser and OS, countries and agents.

import { graphql } from "../api.js";
import * as drill from "../drill.js";
import { change, number, percent, score } from "../format.js";
import { withGroup } from "../state.js";
import { COLOURS, bars, card, cards, chart, charts, el, link, notes, section, table } from "../ui.js";

const QUERY = `query Survey($f: ReportFilter!, $shift: Shift!, $g: Granularity!) {
  report(filter: $f) {
    csat { score responses distribution { score count percent } }
    nps { score responses promoters passives detractors distribution { score count percent } }
    ces { score responses distribution { score count percent } }
    previous(shift: $shift) { csat { score } nps { score } ces { score } }
    dailyCsat: daily(value: CSAT_SCORE) { mean median min max days }
    series(granularity: $g) { start end csat { score } nps { score } }
    geo: breakdown(by: [COUNTRY], orderBy: CSAT_RESPONSES, limit: 15) { key label csat { responses score } nps { score } }
    sources: breakdown(by: [CHANNEL]) { key label csat { responses score } nps { responses score } ces { score } }
    devices: breakdown(by: [BROWSER, OS], orderBy: CSAT_RESPONSES, limit: 10) { keys label csat { responses } }
    agents: breakdown(by: [USER], orderBy: CSAT_SCORE, limit: 20) { key label csat { responses score } nps { score } }
  }
}`;

function distribution(title, survey, rows, colour, filter) {
  return chart(
    title,
    {
      type: "bar",
      data: {
        labels: rows.map((r) => String(r.score)),
        datasets: [{ label: "responses", data: rows.map((r) => r.count), backgroundColor: rows.map(colour) }],
      },
      options: { plugins: { legend: { display: false } } },
    },
    {
      axes: { x: "score", y: "responses" },
      onPick: (i) =>
        drill.ratings(`${survey} ratings scoring ${rows[i].score}`, filter, {
          surveys: [survey],
          scores: [rows[i].score],
        }),
    },
  );
}

/** Opens a group's ratings; null for the group without a key, which no filter can name. */
function drillGroup(filter, dimension, group, survey = "CSAT") {
  const scoped = withGroup(filter, dimension, group.key);
  return scoped && (() => drill.ratings(`${group.label}: ${survey} ratings`, scoped, { surveys: [survey] }));
}

function groupLink(filter, dimension, group) {
  const open = drillGroup(filter, dimension, group);
  return open ? link(group.label, open) : group.label;
}

export default {
  id: "survey",
  title: "Surveys",
  heading: "Survey anatomy: CSAT, NPS and CES",
  requires: ["csat", "nps", "ces"],
  async render({ filter, shift, granularity }) {
    const { data, errors } = await graphql(QUERY, { f: filter, shift, g: granularity });
    const r = data.report;
    const vs = shift === "YEAR" ? "previous year" : "previous period";
    const ratings = (survey) => () => drill.ratings(`${survey} ratings`, filter, { surveys: [survey] });
    const npsColour = (row) => (row.score >= 9 ? COLOURS.great : row.score >= 7 ? COLOURS.grey : COLOURS.bad);
    return el(
      "div",
      {},
      notes(errors),
      cards(
        card({
          label: "CSAT",
          field: "report.csat.score",
          value: r.csat.score,
          text: percent(r.csat.score),
          note: change(r.csat.score, r.previous.csat.score, vs),
          help: "share of responses scoring 4 or 5",
          onclick: ratings("CSAT"),
        }),
        card({
          label: "CSAT responses",
          field: "report.csat.responses",
          value: r.csat.responses,
          text: number(r.csat.responses),
          onclick: ratings("CSAT"),
        }),
        card({
          label: "NPS",
          field: "report.nps.score",
          value: r.nps.score,
          text: score(r.nps.score),
          note: change(r.nps.score, r.previous.nps.score, vs),
          help: "promoters minus detractors, in percent",
          onclick: ratings("NPS"),
        }),
        card({
          label: "CES",
          field: "report.ces.score",
          value: r.ces.score,
          text: score(r.ces.score),
          note: change(r.ces.score, r.previous.ces.score, vs),
          help: "mean effort score, 1–7",
          onclick: ratings("CES"),
        }),
        card({
          label: "Daily CSAT mean",
          field: "report.dailyCsat.mean",
          value: r.dailyCsat.mean,
          text: percent(r.dailyCsat.mean),
          note: `over ${r.dailyCsat.days} days with ratings`,
        }),
        card({
          label: "Daily CSAT median",
          field: "report.dailyCsat.median",
          value: r.dailyCsat.median,
          text: percent(r.dailyCsat.median),
          note: `min ${percent(r.dailyCsat.min)}, max ${percent(r.dailyCsat.max)}`,
        }),
      ),
      charts(
        distribution(
          "CSAT breakdown (1–5)",
          "CSAT",
          r.csat.distribution,
          (row) => (row.score >= 4 ? COLOURS.great : row.score === 3 ? COLOURS.grey : COLOURS.bad),
          filter,
        ),
        distribution("NPS rates breakdown (0–10)", "NPS", r.nps.distribution, npsColour, filter),
        distribution(
          "CES breakdown (1–7)",
          "CES",
          r.ces.distribution,
          (row) => (row.score >= 5 ? COLOURS.great : row.score === 4 ? COLOURS.grey : COLOURS.bad),
          filter,
        ),
        chart(
          "NPS loyalty",
          {
            type: "doughnut",
            data: {
              labels: ["Promoters (9–10)", "Passives (7–8)", "Detractors (0–6)"],
              datasets: [
                {
                  data: [r.nps.promoters, r.nps.passives, r.nps.detractors],
                  backgroundColor: [COLOURS.great, COLOURS.grey, COLOURS.bad],
                },
              ],
            },
          },
          {
            onPick: (i) =>
              drill.ratings(["Promoters", "Passives", "Detractors"][i], filter, {
                surveys: ["NPS"],
                scores: [
                  [9, 10],
                  [7, 8],
                  [0, 1, 2, 3, 4, 5, 6],
                ][i],
              }),
          },
        ),
        chart("CSAT and NPS over time", {
          type: "line",
          data: {
            labels: r.series.map((b) => b.start),
            datasets: [
              {
                label: "CSAT (%)",
                data: r.series.map((b) => b.csat.score),
                borderColor: COLOURS.blue,
                backgroundColor: COLOURS.blue,
                spanGaps: true,
                pointRadius: r.series.length > 60 ? 0 : 2,
              },
              {
                label: "NPS",
                data: r.series.map((b) => b.nps.score),
                borderColor: COLOURS.great,
                backgroundColor: COLOURS.great,
                spanGaps: true,
                pointRadius: r.series.length > 60 ? 0 : 2,
              },
            ],
          },
          options: { scales: { y: { title: { display: true, text: "score" } } } },
        }),
        chart(
          "Source breakdown: CSAT by channel",
          bars(
            r.sources.map((g) => g.label),
            "CSAT (%)",
            r.sources.map((g) => g.csat.score),
            COLOURS.blue,
          ),
          { axes: { y: "CSAT (%)" }, onPick: (i) => drillGroup(filter, "CHANNEL", r.sources[i])?.() },
        ),
        chart(
          "Browser and OS: CSAT responses",
          bars(
            r.devices.map((g) => g.keys.join(" · ")),
            "responses",
            r.devices.map((g) => g.csat.responses),
            COLOURS.series[4],
            { horizontal: true },
          ),
          {
            height: 300,
            onPick: (i) =>
              drill.ratings(
                `${r.devices[i].keys.join(" · ")}: CSAT ratings`,
                { ...filter, browsers: [r.devices[i].keys[0]], operatingSystems: [r.devices[i].keys[1]] },
                { surveys: ["CSAT"] },
              ),
          },
        ),
      ),
      section(
        "Sources",
        table(
          [
            { label: "Channel", cell: (g) => groupLink(filter, "CHANNEL", g) },
            { label: "CSAT responses", numeric: true, cell: (g) => number(g.csat.responses) },
            { label: "CSAT", numeric: true, cell: (g) => percent(g.csat.score) },
            { label: "NPS responses", numeric: true, cell: (g) => number(g.nps.responses) },
            { label: "NPS", numeric: true, cell: (g) => score(g.nps.score) },
            { label: "CES", numeric: true, cell: (g) => score(g.ces.score) },
          ],
          r.sources,
        ),
      ),
      el(
        "div",
        { class: "columns" },
        section(
          "Geo: top countries by responses",
          table(
            [
              { label: "Country", cell: (g) => groupLink(filter, "COUNTRY", g) },
              { label: "Responses", numeric: true, cell: (g) => number(g.csat.responses) },
              { label: "CSAT", numeric: true, cell: (g) => percent(g.csat.score) },
              { label: "NPS", numeric: true, cell: (g) => score(g.nps.score) },
            ],
            r.geo,
          ),
        ),
        section(
          "Agents: best CSAT",
          table(
            [
              { label: "Agent", cell: (g) => groupLink(filter, "USER", g) },
              { label: "Responses", numeric: true, cell: (g) => number(g.csat.responses) },
              { label: "CSAT", numeric: true, cell: (g) => percent(g.csat.score) },
              { label: "NPS", numeric: true, cell: (g) => score(g.nps.score) },
            ],
            r.agents,
          ),
        ),
      ),
    );
  },
};
