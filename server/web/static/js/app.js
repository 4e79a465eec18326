// The dashboard: sign-in, the controls, one tab per seed report, each drawn from the public API.
// Views whose metrics are not installed (metricCatalog) are hidden.

import { ApiError, graphql, session } from "./api.js";
import { controls, loadChoices } from "./controls.js";
import { LIST_FILTERS, readState, reportFilter, writeState } from "./state.js";
import { el } from "./ui.js";
import happiness from "./views/happiness.js";
import survey from "./views/survey.js";
import company from "./views/company.js";
import service from "./views/service.js";
import performance from "./views/performance.js";

const VIEWS = [happiness, survey, company, service, performance];
const root = document.getElementById("app");
let state = readState();
let rendering = 0; // a newer render makes older answers stale

function demo() {
  const meta = document.querySelector('meta[name="rapport-demo"]');
  try {
    return JSON.parse(meta?.content || "{}");
  } catch {
    return {};
  }
}

function signInForm(message) {
  const input = el("input", {
    type: "password",
    name: "token",
    required: true,
    autocomplete: "off",
    placeholder: "rpt_…",
    "aria-label": "API token",
  });
  root.replaceChildren(
    el(
      "main",
      { class: "signin" },
      el("h1", {}, "Rapport"),
      el(
        "p",
        {},
        "Paste an API token (",
        el("code", {}, "rapport token create ACCOUNT"),
        "). It is kept for this browser tab only.",
      ),
      message && el("p", { class: "error", role: "alert" }, message),
      el(
        "form",
        {
          onsubmit: (event) => {
            event.preventDefault();
            session.signIn(input.value);
            start();
          },
        },
        input,
        el("button", { type: "submit" }, "Sign in"),
      ),
    ),
  );
  input.focus();
}

async function start() {
  if (!session.token()) {
    const { token } = demo();
    if (!token) return signInForm();
    session.signIn(token);
  }
  root.replaceChildren(el("p", { class: "loading" }, "Loading the installed reports…"));
  let catalog, choices;
  try {
    catalog = (await graphql("{ metricCatalog { name plugin fields dimensions filters } }")).data
      .metricCatalog;
    choices = await loadChoices(catalog);
  } catch (error) {
    if (error instanceof ApiError && error.signedOut) {
      session.signOut();
      return signInForm(error.message);
    }
    root.replaceChildren(el("p", { class: "error", role: "alert" }, error.message));
    return;
  }
  const installed = new Set(catalog.map((metric) => metric.name));
  const views = VIEWS.filter((view) => view.requires.every((name) => installed.has(name)));
  const filters = new Set(catalog.flatMap((metric) => metric.filters));
  const extraFilters = [...filters].filter((name) => !LIST_FILTERS.includes(name)).sort();
  if (!views.some((view) => view.id === state.view)) state.view = views[0]?.id;
  layout({ views, choices, extraFilters, installed });
}

function layout(context) {
  const change = (patch) => {
    state = { ...state, ...patch };
    writeState(state);
    if (
      "timezone" in patch ||
      LIST_FILTERS.some((name) => name in patch) ||
      "extra" in patch ||
      "from" in patch
    ) {
      layout(context); // the controls show the new values (presets, pickers)
    } else {
      draw(context);
    }
  };
  const tabs = el(
    "nav",
    { class: "tabs", "aria-label": "Reports" },
    context.views.map((view) =>
      el(
        "button",
        {
          type: "button",
          "data-view": view.id,
          "aria-current": view.id === state.view ? "page" : null,
          onclick: () => change({ view: view.id }),
        },
        view.title,
      ),
    ),
  );
  root.replaceChildren(
    el(
      "header",
      { class: "top" },
      el("h1", {}, "Rapport"),
      tabs,
      el(
        "button",
        {
          type: "button",
          class: "signout",
          onclick: () => {
            session.signOut();
            signInForm();
          },
        },
        "Sign out",
      ),
    ),
    controls(state, context.choices, context.extraFilters, change),
    el("main", { id: "view" }),
  );
  writeState(state);
  draw(context);
}

async function draw(context) {
  const mine = ++rendering;
  const main = document.getElementById("view");
  for (const tab of document.querySelectorAll(".tabs button")) {
    tab.toggleAttribute("aria-current", tab.dataset.view === state.view);
  }
  const view = context.views.find((v) => v.id === state.view);
  if (!view) {
    main.replaceChildren(el("p", { class: "empty" }, "No report plugin is installed."));
    return;
  }
  main.replaceChildren(el("p", { class: "loading", role: "status" }, `Loading ${view.title}…`));
  main.dataset.state = "loading";
  const ctx = {
    filter: reportFilter(state),
    shift: state.compare,
    granularity: state.granularity,
    group: state.group,
    installed: context.installed,
    choices: context.choices,
    setState: (patch) => {
      state = { ...state, ...patch };
      writeState(state);
      layout(context);
    },
  };
  try {
    const body = await view.render(ctx);
    if (mine !== rendering) return;
    main.replaceChildren(
      el(
        "div",
        { class: "view", "data-view": view.id },
        el("h2", { class: "view-title" }, view.heading),
        body,
      ),
    );
    main.dataset.state = "ready";
  } catch (error) {
    if (mine !== rendering) return;
    if (error instanceof ApiError && error.signedOut) {
      session.signOut();
      return signInForm(error.message);
    }
    main.replaceChildren(el("p", { class: "error", role: "alert" }, `${view.title}: ${error.message}`));
    main.dataset.state = "error";
  }
}

start();
