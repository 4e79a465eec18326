// Help Scout's company and user reports (seeds/002): customers helped, conversations, closed vs
// resolved, replies, busiest day, response times, per channel and per user.

import { graphql } from "../api.js";
import * as drill from "../drill.js";
import { change, duration, hours, number, score, weekday } from "../format.js";
import { withGroup } from "../state.js";
import { COLOURS, bars, card, cards, chart, charts, el, link, notes, section, table } from "../ui.js";

const query = (withHappiness) => `query Company($f: ReportFilter!, $shift: Shift!, $g: Granularity!) {
  report(filter: $f) {
    volume { customersHelped created closed resolved resolvedOnFirstReply repliesSent messagesReceived perDay busiestDay }
    firstResponseTime { average median p90 }
    responseTime { average median }
    timeToClose { average median }
    previous(shift: $shift) { volume { customersHelped created closed resolved repliesSent } firstResponseTime { median } }
    byChannel: breakdown(by: [CHANNEL]) {
      key label volume { created closed resolved repliesSent } firstResponseTime { median } responseTime { median }
    }
    series(granularity: $g) { start end volume { created closed } }
  }
  users(first: 100) {
    edges { node { id name isBot report(filter: $f) {
      volume { repliesSent closed resolved resolvedOnFirstReply customersHelped }
      firstResponseTime { median }
      ${withHappiness ? "happiness { score }" : ""}
    } } }
  }
}`;

export default {
  id: "company",
  title: "Company & users",
  heading: "Company and user report",
  requires: ["volume", "firstResponseTime", "responseTime", "timeToClose"],
  async render({ filter, shift, granularity, installed }) {
    const withHappiness = installed.has("happiness");
    const { data, errors } = await graphql(query(withHappiness), { f: filter, shift, g: granularity });
    const r = data.report;
    const v = r.volume;
    const was = r.previous.volume;
    const vs = shift === "YEAR" ? "previous year" : "previous period";
    const created =
      (title, f = filter) =>
      () =>
        drill.conversations(title, f);
    const users = data.users.edges
      .map((e) => e.node)
      .filter((u) => !u.isBot && (u.report.volume.repliesSent || u.report.volume.closed));
    const channelDrill = (g) => {
      const scoped = withGroup(filter, "CHANNEL", g.key);
      return scoped && created(`${g.label}: conversations`, scoped);
    };
    return el(
      "div",
      {},
      notes(errors),
      cards(
        card({
          label: "Customers helped",
          field: "report.volume.customersHelped",
          value: v.customersHelped,
          text: number(v.customersHelped),
          note: change(v.customersHelped, was.customersHelped, vs),
          help: "distinct customers who got a human reply",
        }),
        card({
          label: "Conversations created",
          field: "report.volume.created",
          value: v.created,
          text: number(v.created),
          note: change(v.created, was.created, vs),
          onclick: created("Conversations created"),
        }),
        card({
          label: "Conversations per day",
          field: "report.volume.perDay",
          value: v.perDay,
          text: score(v.perDay),
        }),
        card({
          label: "Busiest day",
          field: "report.volume.busiestDay",
          value: v.busiestDay,
          text: weekday(v.busiestDay),
          help: "the weekday with the most conversations created per occurrence",
        }),
        card({
          label: "Closed",
          field: "report.volume.closed",
          value: v.closed,
          text: number(v.closed),
          note: change(v.closed, was.closed, vs),
        }),
        card({
          label: "Resolved",
          field: "report.volume.resolved",
          value: v.resolved,
          text: number(v.resolved),
          note: change(v.resolved, was.resolved, vs),
          help: "closed with at least one human reply",
        }),
        card({
          label: "Resolved on first reply",
          field: "report.volume.resolvedOnFirstReply",
          value: v.resolvedOnFirstReply,
          text: number(v.resolvedOnFirstReply),
        }),
        card({
          label: "Replies sent",
          field: "report.volume.repliesSent",
          value: v.repliesSent,
          text: number(v.repliesSent),
          note: change(v.repliesSent, was.repliesSent, vs),
        }),
        card({
          label: "Messages received",
          field: "report.volume.messagesReceived",
          value: v.messagesReceived,
          text: number(v.messagesReceived),
        }),
        card({
          label: "First response (median)",
          field: "report.firstResponseTime.median",
          value: r.firstResponseTime.median,
          text: duration(r.firstResponseTime.median),
          note: `average ${duration(r.firstResponseTime.average)}, p90 ${duration(r.firstResponseTime.p90)}`,
        }),
        card({
          label: "Response time (median)",
          field: "report.responseTime.median",
          value: r.responseTime.median,
          text: duration(r.responseTime.median),
          note: `average ${duration(r.responseTime.average)}`,
        }),
        card({
          label: "Time to close (median)",
          field: "report.timeToClose.median",
          value: r.timeToClose.median,
          text: duration(r.timeToClose.median),
          note: `average ${duration(r.timeToClose.average)}`,
        }),
      ),
      charts(
        chart(
          "Conversations created and closed",
          {
            type: "bar",
            data: {
              labels: r.series.map((b) => b.start),
              datasets: [
                {
                  label: "created",
                  data: r.series.map((b) => b.volume.created),
                  backgroundColor: COLOURS.blue,
                },
                {
                  label: "closed",
                  data: r.series.map((b) => b.volume.closed),
                  backgroundColor: COLOURS.great,
                },
              ],
            },
          },
          {
            axes: { y: "conversations" },
            onPick: (i) =>
              created(`Conversations created from ${r.series[i].start} to ${r.series[i].end}`, {
                ...filter,
                from: r.series[i].start,
                to: r.series[i].end,
              })(),
          },
        ),
        chart(
          "Per channel: median first response (hours)",
          bars(
            r.byChannel.map((g) => g.label),
            "first response, median (h)",
            r.byChannel.map((g) => hours(g.firstResponseTime.median)),
            COLOURS.series[4],
          ),
          { axes: { y: "hours" }, onPick: (i) => channelDrill(r.byChannel[i])?.() },
        ),
      ),
      section(
        "Channels",
        table(
          [
            {
              label: "Channel",
              cell: (g) => {
                const open = channelDrill(g);
                return open ? link(g.label, open) : g.label;
              },
            },
            { label: "Created", numeric: true, cell: (g) => number(g.volume.created) },
            { label: "Closed", numeric: true, cell: (g) => number(g.volume.closed) },
            { label: "Resolved", numeric: true, cell: (g) => number(g.volume.resolved) },
            { label: "Replies sent", numeric: true, cell: (g) => number(g.volume.repliesSent) },
            {
              label: "First response (median)",
              numeric: true,
              cell: (g) => duration(g.firstResponseTime.median),
            },
            { label: "Response time (median)", numeric: true, cell: (g) => duration(g.responseTime.median) },
          ],
          r.byChannel,
        ),
      ),
      section(
        "Users",
        table(
          [
            {
              label: "User",
              cell: (u) => link(u.name, created(`${u.name}: conversations`, { ...filter, users: [u.id] })),
            },
            {
              label: "Customers helped",
              numeric: true,
              cell: (u) => number(u.report.volume.customersHelped),
            },
            { label: "Replies sent", numeric: true, cell: (u) => number(u.report.volume.repliesSent) },
            { label: "Closed", numeric: true, cell: (u) => number(u.report.volume.closed) },
            { label: "Resolved", numeric: true, cell: (u) => number(u.report.volume.resolved) },
            {
              label: "On first reply",
              numeric: true,
              cell: (u) => number(u.report.volume.resolvedOnFirstReply),
            },
            {
              label: "First response (median)",
              numeric: true,
              cell: (u) => duration(u.report.firstResponseTime.median),
            },
            ...(withHappiness
              ? [{ label: "Happiness", numeric: true, cell: (u) => score(u.report.happiness.score) }]
              : []),
          ],
          users,
        ),
      ),
    );
  },
};
