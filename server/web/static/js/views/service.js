// HubSpot's service reports (seeds/003): time to close, first response, chat wait time, support
// volume and ticket time in pipeline by stage, at the chosen frequency, grouped by rep or team.

import { graphql } from "../api.js";
import * as drill from "../drill.js";
import { change, duration, hours, number, percent } from "../format.js";
import { withGroup } from "../state.js";
import { COLOURS, bars, card, cards, chart, charts, el, link, notes, section, table } from "../ui.js";

const query = (
  withCsat,
) => `query Service($f: ReportFilter!, $shift: Shift!, $g: Granularity!, $by: Dimension!) {
  report(filter: $f) {
    timeToClose { count average median }
    firstResponseTime { count average median }
    chatWaitTime { count average median p90 }
    ${withCsat ? "csat { score responses }" : ""}
    volume { created closed }
    previous(shift: $shift) { timeToClose { average } firstResponseTime { average } chatWaitTime { average } volume { created } }
    groups: breakdown(by: [$by], orderBy: VOLUME_CREATED, limit: 12) {
      key label volume { created closed }
      timeToClose { average } firstResponseTime { average }
      series(granularity: $g) { start end volume { created } timeToClose { average } }
    }
    timeInPipeline { pipeline stage conversations average median }
  }
}`;

const GROUPS = { USER: "rep", TEAM: "team" };
const capital = (word) => word[0].toUpperCase() + word.slice(1);

export default {
  id: "service",
  title: "Service",
  heading: "Service reports: team performance and time in pipeline",
  requires: ["timeToClose", "firstResponseTime", "chatWaitTime", "volume", "timeInPipeline"],
  async render({ filter, shift, granularity, group, installed, setState }) {
    const by = group in GROUPS ? group : "USER";
    const withCsat = installed.has("csat");
    const { data, errors } = await graphql(query(withCsat), { f: filter, shift, g: granularity, by });
    const r = data.report;
    const vs = shift === "YEAR" ? "previous year" : "previous period";
    const was = r.previous;
    const groupDrill = (g) => {
      const scoped = withGroup(filter, by, g.key);
      return scoped && (() => drill.conversations(`${g.label}: conversations`, scoped));
    };
    const top = r.groups.slice(0, 6);
    const labels = top[0]?.series.map((b) => b.start) ?? [];
    const chooser = el(
      "label",
      { class: "field inline" },
      "Group by ",
      el(
        "select",
        { name: "group", onchange: (event) => setState({ group: event.target.value }) },
        Object.entries(GROUPS).map(([value, label]) =>
          el("option", { value, selected: value === by }, label),
        ),
      ),
    );
    return el(
      "div",
      {},
      notes(errors),
      chooser,
      cards(
        card({
          label: "Average time to close",
          field: "report.timeToClose.average",
          value: r.timeToClose.average,
          text: duration(r.timeToClose.average),
          note: change(hours(r.timeToClose.average), hours(was.timeToClose.average), `${vs} (h)`),
        }),
        card({
          label: "Average first response",
          field: "report.firstResponseTime.average",
          value: r.firstResponseTime.average,
          text: duration(r.firstResponseTime.average),
          note: `median ${duration(r.firstResponseTime.median)}`,
        }),
        card({
          label: "Chat wait time (average)",
          field: "report.chatWaitTime.average",
          value: r.chatWaitTime.average,
          text: duration(r.chatWaitTime.average),
          note: `median ${duration(r.chatWaitTime.median)}, p90 ${duration(r.chatWaitTime.p90)}`,
        }),
        card({
          label: "Support volume",
          field: "report.volume.created",
          value: r.volume.created,
          text: number(r.volume.created),
          note: change(r.volume.created, was.volume.created, vs),
          onclick: () => drill.conversations("Conversations created", filter),
        }),
        withCsat &&
          card({
            label: "CSAT",
            field: "report.csat.score",
            value: r.csat.score,
            text: percent(r.csat.score),
            onclick: () => drill.ratings("CSAT ratings", filter, { surveys: ["CSAT"] }),
          }),
      ),
      charts(
        chart(
          `Support volume per ${GROUPS[by]}`,
          bars(
            r.groups.map((g) => g.label),
            "conversations created",
            r.groups.map((g) => g.volume.created),
            COLOURS.blue,
          ),
          { axes: { y: "conversations" }, onPick: (i) => groupDrill(r.groups[i])?.() },
        ),
        chart(
          `Average time to close per ${GROUPS[by]} (hours)`,
          {
            type: "line",
            data: {
              labels,
              datasets: top.map((g, i) => ({
                label: g.label,
                data: g.series.map((b) => hours(b.timeToClose.average)),
                borderColor: COLOURS.series[i],
                backgroundColor: COLOURS.series[i],
                spanGaps: true,
                pointRadius: labels.length > 60 ? 0 : 2,
              })),
            },
          },
          { axes: { y: "hours" } },
        ),
        chart(
          "Ticket time in pipeline, by stage (hours)",
          {
            type: "bar",
            horizontal: true,
            data: {
              labels: r.timeInPipeline.map((s) => `${s.pipeline} · ${s.stage}`),
              datasets: [
                {
                  label: "average (h)",
                  data: r.timeInPipeline.map((s) => hours(s.average)),
                  backgroundColor: COLOURS.series[4],
                },
                {
                  label: "median (h)",
                  data: r.timeInPipeline.map((s) => hours(s.median)),
                  backgroundColor: COLOURS.grey,
                },
              ],
            },
          },
          { axes: { x: "hours" }, height: Math.max(220, 34 * r.timeInPipeline.length) },
        ),
      ),
      section(
        `Per ${GROUPS[by]}`,
        table(
          [
            {
              label: capital(GROUPS[by]),
              cell: (g) => {
                const open = groupDrill(g);
                return open ? link(g.label, open) : g.label;
              },
            },
            { label: "Created", numeric: true, cell: (g) => number(g.volume.created) },
            { label: "Closed", numeric: true, cell: (g) => number(g.volume.closed) },
            { label: "Time to close (avg)", numeric: true, cell: (g) => duration(g.timeToClose.average) },
            {
              label: "First response (avg)",
              numeric: true,
              cell: (g) => duration(g.firstResponseTime.average),
            },
          ],
          r.groups,
        ),
      ),
      section(
        "Time in pipeline",
        table(
          [
            { label: "Pipeline", cell: (s) => s.pipeline },
            { label: "Stage", cell: (s) => s.stage },
            { label: "Conversations", numeric: true, cell: (s) => number(s.conversations) },
            { label: "Average", numeric: true, cell: (s) => duration(s.average) },
            { label: "Median", numeric: true, cell: (s) => duration(s.median) },
          ],
          r.timeInPipeline,
        ),
      ),
    );
  },
};
