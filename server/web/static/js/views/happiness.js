// Help Scout's happiness report (seeds/000): score, Great / Okay / Not Good with the change from
// the previous period, ratings over time, the latest ratings with comments, and each user.

import { graphql } from "../api.js";
import * as drill from "../drill.js";
import { change, dateTime, NONE, number, percent, score } from "../format.js";
import { withGroup } from "../state.js";
import { COLOURS, card, cards, chart, charts, el, link, notes, section, table } from "../ui.js";

const QUERY = `query Happiness($f: ReportFilter!, $shift: Shift!, $g: Granularity!) {
  report(filter: $f) {
    happiness { score responses great okay notGood greatPercent okayPercent notGoodPercent }
    previous(shift: $shift) { happiness { score greatPercent okayPercent notGoodPercent } }
    series(granularity: $g) { start end happiness { great okay notGood } }
    ratings(first: 10, surveys: [HAPPINESS]) {
      totalCount
      edges { node { label comment createdAt conversation { id number } user { id name } customer { name } } }
    }
    users: breakdown(by: [USER], orderBy: HAPPINESS_RESPONSES, limit: 50) {
      key label happiness { score responses great okay notGood }
    }
  }
}`;

const SMILEY = { GREAT: "😀 Great", OKAY: "😐 Okay", NOT_GOOD: "😞 Not Good" };
const SCORES = { great: 3, okay: 2, notGood: 1 };

export default {
  id: "happiness",
  title: "Happiness",
  heading: "Happiness report",
  requires: ["happiness"],
  async render({ filter, shift, granularity, setState }) {
    const { data, errors } = await graphql(QUERY, { f: filter, shift, g: granularity });
    const { happiness: h, previous, series, ratings, users } = data.report;
    const was = previous.happiness;
    const vs = shift === "YEAR" ? "previous year" : "previous period";
    const ratingsOf = (title, scores) => () =>
      drill.ratings(title, filter, { surveys: ["HAPPINESS"], scores });
    return el(
      "div",
      {},
      notes(errors),
      cards(
        card({
          label: "Happiness score",
          field: "report.happiness.score",
          value: h.score,
          text: score(h.score),
          note: change(h.score, was.score, vs),
          help: "percent Great minus percent Not Good",
          onclick: ratingsOf("Happiness ratings", null),
        }),
        card({
          label: "Great",
          field: "report.happiness.greatPercent",
          value: h.greatPercent,
          text: percent(h.greatPercent),
          note: change(h.greatPercent, was.greatPercent, vs),
          onclick: ratingsOf("Great ratings", [3]),
        }),
        card({
          label: "Okay",
          field: "report.happiness.okayPercent",
          value: h.okayPercent,
          text: percent(h.okayPercent),
          note: change(h.okayPercent, was.okayPercent, vs),
          onclick: ratingsOf("Okay ratings", [2]),
        }),
        card({
          label: "Not Good",
          field: "report.happiness.notGoodPercent",
          value: h.notGoodPercent,
          text: percent(h.notGoodPercent),
          note: change(h.notGoodPercent, was.notGoodPercent, vs),
          onclick: ratingsOf("Not Good ratings", [1]),
        }),
        card({
          label: "Ratings",
          field: "report.happiness.responses",
          value: h.responses,
          text: number(h.responses),
          onclick: ratingsOf("Happiness ratings", null),
        }),
      ),
      charts(
        chart(
          "Ratings by type",
          {
            type: "doughnut",
            data: {
              labels: ["Great", "Okay", "Not Good"],
              datasets: [
                {
                  data: [h.great, h.okay, h.notGood],
                  backgroundColor: [COLOURS.great, COLOURS.okay, COLOURS.bad],
                },
              ],
            },
          },
          { onPick: (i) => ratingsOf(`${["Great", "Okay", "Not Good"][i]} ratings`, [[3, 2, 1][i]])() },
        ),
        chart(
          "Ratings over time",
          {
            type: "line",
            data: {
              labels: series.map((b) => b.start),
              datasets: Object.entries({ great: "Great", okay: "Okay", notGood: "Not Good" }).map(
                ([key, label]) => ({
                  label,
                  data: series.map((b) => b.happiness[key]),
                  borderColor: COLOURS[key === "notGood" ? "bad" : key],
                  backgroundColor: COLOURS[key === "notGood" ? "bad" : key],
                  tension: 0.2,
                  pointRadius: series.length > 60 ? 0 : 3,
                }),
              ),
            },
          },
          {
            axes: { y: "ratings" },
            onPick: (i, d) =>
              drill.ratings(
                `${["Great", "Okay", "Not Good"][d]} ratings from ${series[i].start} to ${series[i].end}`,
                { ...filter, from: series[i].start, to: series[i].end },
                { surveys: ["HAPPINESS"], scores: [Object.values(SCORES)[d]] },
              ),
          },
        ),
      ),
      section(
        `Ratings and comments (latest 10 of ${number(ratings.totalCount)})`,
        table(
          [
            {
              label: "Number",
              cell: (r) =>
                r.conversation
                  ? link(
                      `#${r.conversation.number}`,
                      () => drill.conversation(r.conversation.id),
                      "open the conversation",
                    )
                  : NONE,
            },
            {
              label: "User",
              cell: (r) =>
                r.user
                  ? link(r.user.name, () => setState({ users: [r.user.id] }), "this user's happiness report")
                  : NONE,
            },
            { label: "Customer", cell: (r) => r.customer?.name ?? NONE },
            { label: "Rating", cell: (r) => SMILEY[r.label] ?? NONE },
            { label: "Comment", cell: (r) => r.comment ?? "" },
            { label: "Date", cell: (r) => dateTime(r.createdAt) },
          ],
          ratings.edges.map((e) => e.node),
        ),
        link(`All ${number(ratings.totalCount)} ratings…`, ratingsOf("Happiness ratings", null)),
      ),
      section(
        "Happiness by user",
        table(
          [
            {
              label: "User",
              cell: (g) => {
                const scoped = withGroup(filter, "USER", g.key);
                return scoped
                  ? link(g.label, () =>
                      drill.ratings(`${g.label}: happiness ratings`, scoped, { surveys: ["HAPPINESS"] }),
                    )
                  : g.label;
              },
            },
            { label: "Score", numeric: true, cell: (g) => score(g.happiness.score) },
            { label: "Ratings", numeric: true, cell: (g) => number(g.happiness.responses) },
            { label: "Great", numeric: true, cell: (g) => number(g.happiness.great) },
            { label: "Okay", numeric: true, cell: (g) => number(g.happiness.okay) },
            { label: "Not Good", numeric: true, cell: (g) => number(g.happiness.notGood) },
          ],
          users,
        ),
      ),
    );
  },
};
