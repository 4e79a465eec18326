// Drill-downs: the ratings or conversations behind a number, a bar or a group, in a dialog, with
// the view's filter plus that group; a conversation opens to its messages.

import { graphql } from "./api.js";
import { dateTime, NONE } from "./format.js";
import { el, link, table } from "./ui.js";

const PAGE = 25;

const RATINGS = `query Ratings($f: ReportFilter!, $surveys: [Survey!], $scores: [Int!], $after: String) {
  report(filter: $f) {
    ratings(first: ${PAGE}, after: $after, surveys: $surveys, scores: $scores) {
      totalCount pageInfo { hasNextPage endCursor }
      edges { node { id survey score label comment createdAt channel
        user { name } customer { name } conversation { id number } } }
    }
  }
}`;

const CONVERSATIONS = `query Conversations($f: ReportFilter!, $after: String) {
  report(filter: $f) {
    conversations(first: ${PAGE}, after: $after) {
      totalCount pageInfo { hasNextPage endCursor }
      edges { node { id number status channel theme createdAt closedAt
        assignee { name } customer { name } } }
    }
  }
}`;

const CONVERSATION = `query Conversation($id: ID!) {
  conversation(id: $id) {
    number status channel theme pipeline createdAt closedAt firstResponseAt
    inbox { name } customer { name country } assignee { name } team { name }
    ratings { survey score comment }
    messages(first: 100) { totalCount edges { node { authorType kind createdAt author { name } } } }
  }
}`;

const LABELS = { GREAT: "😀 Great", OKAY: "😐 Okay", NOT_GOOD: "😞 Not Good" };

function dialog() {
  let box = document.getElementById("drill");
  if (!box) {
    box = el("dialog", { id: "drill", "aria-labelledby": "drill-title" });
    document.body.append(box);
  }
  return box;
}

function frame(title, body) {
  const box = dialog();
  box.replaceChildren(
    el(
      "header",
      {},
      el("h2", { id: "drill-title" }, title),
      el(
        "button",
        { type: "button", class: "close", onclick: () => box.close(), "aria-label": "Close" },
        "✕",
      ),
    ),
    body,
  );
  if (!box.open) box.showModal();
}

async function paged(title, load, render) {
  const body = el("div", { class: "drill-body" }, el("p", { class: "loading" }, "Loading…"));
  frame(title, body);
  const rows = [];
  const more = async (after) => {
    try {
      const page = await load(after);
      rows.push(...page.edges.map((edge) => edge.node));
      const next = page.pageInfo.hasNextPage
        ? el("button", { type: "button", onclick: () => more(page.pageInfo.endCursor) }, `Show ${PAGE} more`)
        : null;
      body.replaceChildren(
        ...[
          el("p", { class: "count", "data-total": page.totalCount }, `${page.totalCount} in all`),
          render(rows),
          next,
        ].filter(Boolean),
      );
    } catch (error) {
      body.replaceChildren(el("p", { class: "error", role: "alert" }, error.message));
    }
  };
  await more(null);
}

/** The ratings behind a number; `surveys` and `scores` narrow them like the number does. */
export function ratings(title, filter, { surveys = null, scores = null } = {}) {
  return paged(
    title,
    async (after) => (await graphql(RATINGS, { f: filter, surveys, scores, after })).data.report.ratings,
    (rows) =>
      table(
        [
          {
            label: "Number",
            cell: (r) =>
              r.conversation
                ? link(`#${r.conversation.number}`, () => conversation(r.conversation.id))
                : NONE,
          },
          { label: "Date", cell: (r) => dateTime(r.createdAt) },
          { label: "User", cell: (r) => r.user?.name ?? NONE },
          { label: "Customer", cell: (r) => r.customer?.name ?? NONE },
          { label: "Rating", cell: (r) => LABELS[r.label] ?? `${r.survey} ${r.score}` },
          { label: "Comment", cell: (r) => r.comment ?? "" },
        ],
        rows,
        { empty: "No ratings here." },
      ),
  );
}

/** The conversations behind a number (created in the period, same filter). */
export function conversations(title, filter) {
  return paged(
    title,
    async (after) => (await graphql(CONVERSATIONS, { f: filter, after })).data.report.conversations,
    (rows) =>
      table(
        [
          { label: "Number", cell: (c) => link(`#${c.number}`, () => conversation(c.id)) },
          { label: "Created", cell: (c) => dateTime(c.createdAt) },
          { label: "Status", cell: (c) => c.status.toLowerCase() },
          { label: "Channel", cell: (c) => c.channel },
          { label: "Theme", cell: (c) => c.theme ?? NONE },
          { label: "Assignee", cell: (c) => c.assignee?.name ?? NONE },
          { label: "Customer", cell: (c) => c.customer?.name ?? NONE },
        ],
        rows,
        { empty: "No conversations here." },
      ),
  );
}

/** One conversation and its messages. */
export async function conversation(id) {
  const body = el("div", { class: "drill-body" }, el("p", { class: "loading" }, "Loading…"));
  frame("Conversation", body);
  try {
    const c = (await graphql(CONVERSATION, { id })).data.conversation;
    if (!c) throw new Error("This conversation is not visible with this token.");
    dialog().querySelector("h2").textContent = `Conversation #${c.number}`;
    body.replaceChildren(
      el(
        "dl",
        { class: "facts" },
        ...[
          ["Status", c.status.toLowerCase()],
          ["Channel", c.channel],
          ["Inbox", c.inbox?.name],
          ["Theme", c.theme],
          ["Pipeline", c.pipeline],
          ["Customer", c.customer?.name],
          ["Assignee", c.assignee?.name],
          ["Team", c.team?.name],
          ["Created", dateTime(c.createdAt)],
          ["First reply", dateTime(c.firstResponseAt)],
          ["Closed", dateTime(c.closedAt)],
          [
            "Ratings",
            c.ratings.map((r) => `${r.survey} ${r.score}${r.comment ? ` “${r.comment}”` : ""}`).join(", ") ||
              NONE,
          ],
        ].flatMap(([term, value]) => [el("dt", {}, term), el("dd", {}, value ?? NONE)]),
      ),
      el("h3", {}, `Messages (${c.messages.totalCount})`),
      el(
        "ol",
        { class: "messages" },
        c.messages.edges.map(({ node: m }) =>
          el(
            "li",
            { class: `message ${m.authorType.toLowerCase()}` },
            el("span", { class: "who" }, m.author?.name ?? m.authorType.toLowerCase()),
            el("span", { class: "kind" }, m.kind.toLowerCase()),
            el("time", { datetime: m.createdAt }, dateTime(m.createdAt)),
          ),
        ),
      ),
    );
  } catch (error) {
    body.replaceChildren(el("p", { class: "error", role: "alert" }, error.message));
  }
}
