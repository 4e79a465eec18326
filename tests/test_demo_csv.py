"""The demo generator's CSV files on their own: SPEC section 4's format and import rules, the
story the demo tells, the ids the example queries use, and reproducibility.

Expected values come from the SPEC and the example queries, not from the generator's code.
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from rich.console import Console

from server.demo import generate_csv
from server.demo.csvfiles import CsvFiles
from server.demo.generate import plan_chunks, simulate_chunk
from server.demo.sizes import SIZES
from server.demo.world import account_world

SPEC_COLUMNS = {
    "accounts.csv": "id,name,timezone",
    "inboxes.csv": "account_id,id,name",
    "users.csv": "account_id,id,name,email,is_bot",
    "teams.csv": "account_id,id,name",
    "team_members.csv": "account_id,team_id,user_id",
    "customers.csv": "account_id,id,name,email,country",
    "conversations.csv": "account_id,id,number,inbox_id,customer_id,channel,status,theme,"
    "assignee_id,team_id,pipeline,created_at,closed_at",
    "messages.csv": "account_id,id,conversation_id,author_type,author_id,kind,created_at",
    "ratings.csv": "account_id,id,survey,score,comment,created_at,conversation_id,user_id,"
    "customer_id,channel,inbox_id,country,user_agent",
    "transactions.csv": "account_id,id,amount,currency,created_at,conversation_id,customer_id",
    "stage_changes.csv": "account_id,id,conversation_id,pipeline,stage,entered_at",
}
SCALES = {"csat": range(1, 6), "nps": range(0, 11), "ces": range(1, 8), "happiness": range(1, 4)}
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$")
FIRST_DAY, LAST_DAY = date(2025, 12, 1), date(2026, 11, 30)

Rows = list[dict[str, str]]


def quiet() -> Console:
    return Console(stderr=True, quiet=True)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("demo")
    generate_csv(directory, size=SIZES["small"], seed=1, console=quiet())
    return directory


@pytest.fixture(scope="module")
def data(folder: Path) -> dict[str, Rows]:
    tables = {}
    for name in SPEC_COLUMNS:
        with open(folder / name, newline="", encoding="utf-8") as file:
            tables[name.removesuffix(".csv")] = list(csv.DictReader(file))
    return tables


def moment(text: str) -> datetime:
    assert TIMESTAMP.match(text), text
    return datetime.fromisoformat(text)


def local(text: str, zone: str) -> datetime:
    return moment(text).astimezone(ZoneInfo(zone))


def zones(data: dict[str, Rows]) -> dict[str, str]:
    return {row["id"]: row["timezone"] for row in data["accounts"]}


def in_month(text: str, zone: str, year: int, months: range) -> bool:
    when = local(text, zone)
    return when.year == year and when.month in months


def test_files_have_the_spec_names_and_columns(folder: Path) -> None:
    assert sorted(p.name for p in folder.iterdir()) == sorted(SPEC_COLUMNS)
    for name, header in SPEC_COLUMNS.items():
        assert (folder / name).read_text(encoding="utf-8").split("\n", 1)[0] == header


def test_two_accounts_in_different_time_zones(data: dict[str, Rows]) -> None:
    accounts = data["accounts"]
    assert len(accounts) == 2
    assert accounts[0]["id"] == "acme"
    assert len({a["timezone"] for a in accounts}) == 2
    for account in accounts:
        ZoneInfo(account["timezone"])  # a real IANA name


def test_ids_are_unique_per_account_and_so_are_numbers(data: dict[str, Rows]) -> None:
    for table, rows in data.items():
        if table in ("accounts", "team_members"):
            continue
        keys = [(row["account_id"], row["id"]) for row in rows]
        assert len(keys) == len(set(keys)), table
    numbers = [(row["account_id"], row["number"]) for row in data["conversations"]]
    assert len(numbers) == len(set(numbers))
    assert all(row["number"].isdigit() for row in data["conversations"])


def test_references_stay_within_their_account(data: dict[str, Rows]) -> None:
    ids = {
        table: {(row["account_id"], row["id"]) for row in data[table]}
        for table in ("inboxes", "users", "teams", "customers", "conversations")
    }

    def refers(row: dict[str, str], column: str, table: str) -> None:
        if row[column]:
            assert (row["account_id"], row[column]) in ids[table], (column, row)

    for row in data["team_members"]:
        refers(row, "team_id", "teams")
        refers(row, "user_id", "users")
    for row in data["conversations"]:
        refers(row, "inbox_id", "inboxes")
        refers(row, "customer_id", "customers")
        refers(row, "assignee_id", "users")
        refers(row, "team_id", "teams")
    for row in data["messages"]:
        refers(row, "conversation_id", "conversations")
        refers(row, "author_id", "users")
    for row in data["ratings"]:
        for column, table in (("conversation_id", "conversations"), ("user_id", "users"),
                              ("customer_id", "customers"), ("inbox_id", "inboxes")):  # fmt: skip
            refers(row, column, table)
    for row in data["transactions"]:
        refers(row, "conversation_id", "conversations")
        refers(row, "customer_id", "customers")
    for row in data["stage_changes"]:
        refers(row, "conversation_id", "conversations")


def test_conversations_are_created_within_the_year_in_local_time(data: dict[str, Rows]) -> None:
    zone = zones(data)
    days = {local(row["created_at"], zone[row["account_id"]]).date()
            for row in data["conversations"]}  # fmt: skip
    assert min(days) == FIRST_DAY
    assert max(days) == LAST_DAY


def test_conversations_follow_the_import_rules(data: dict[str, Rows]) -> None:
    statuses = Counter()
    for row in data["conversations"]:
        statuses[row["status"]] += 1
        assert row["channel"] in {"email", "chat", "phone", "social"}
        if row["status"] == "closed":
            assert moment(row["closed_at"]) >= moment(row["created_at"])
        else:
            assert row["closed_at"] == ""
    assert set(statuses) == {"open", "pending", "closed", "spam"}
    assert statuses["closed"] > 0.8 * sum(statuses.values())


def test_messages_follow_the_import_rules(data: dict[str, Rows]) -> None:
    bots = {(u["account_id"], u["id"]) for u in data["users"] if u["is_bot"] == "true"}
    created = {(c["account_id"], c["id"]): c["created_at"] for c in data["conversations"]}
    first: dict[tuple[str, str], dict[str, str]] = {}
    kinds = Counter()
    for row in data["messages"]:
        author = (row["account_id"], row["author_id"])
        kinds[row["author_type"], row["kind"]] += 1
        if row["author_type"] == "customer":
            assert row["author_id"] == ""
        else:
            assert row["author_id"]
            assert (author in bots) == (row["author_type"] == "bot")
        conversation = (row["account_id"], row["conversation_id"])
        assert moment(row["created_at"]) >= moment(created[conversation])
        first.setdefault(conversation, row)
    assert {key for key, _ in kinds.items()} == {
        ("customer", "reply"),
        ("user", "reply"),
        ("user", "note"),
        ("bot", "reply"),
    }
    assert first.keys() == created.keys()  # every conversation opens with the customer
    assert all(row["author_type"] == "customer" for row in first.values())


def test_some_conversations_are_resolved_on_first_reply_and_some_by_a_bot_alone(
    data: dict[str, Rows],
) -> None:
    human_replies: Counter[tuple[str, str]] = Counter()
    bot_replies: Counter[tuple[str, str]] = Counter()
    for row in data["messages"]:
        key = (row["account_id"], row["conversation_id"])
        if row["author_type"] == "user" and row["kind"] == "reply":
            human_replies[key] += 1
        if row["author_type"] == "bot":
            bot_replies[key] += 1
    closed = [(c["account_id"], c["id"]) for c in data["conversations"] if c["status"] == "closed"]
    on_first_reply = sum(1 for key in closed if human_replies[key] == 1)
    automated = sum(1 for key in closed if bot_replies[key] and not human_replies[key])
    assert 0.2 * len(closed) < on_first_reply < 0.6 * len(closed)
    assert 0.03 * len(closed) < automated < 0.25 * len(closed)


def test_ratings_are_on_their_scales_with_comments_and_devices(data: dict[str, Rows]) -> None:
    surveys = Counter()
    for row in data["ratings"]:
        surveys[row["survey"]] += 1
        assert int(row["score"]) in SCALES[row["survey"]]
        assert row["comment"] == "" or row["comment"].strip()
        moment(row["created_at"])
        if not row["conversation_id"]:
            assert row["channel"] == "external"
    ratings = data["ratings"]
    assert set(surveys) == set(SCALES)
    assert 0.1 < sum(1 for r in ratings if r["comment"]) / len(ratings) < 0.5
    assert sum(1 for r in ratings if r["user_agent"]) / len(ratings) > 0.7
    assert sum(1 for r in ratings if r["channel"] == "external") > 50
    csat = [int(r["score"]) for r in ratings if r["survey"] == "csat"]
    assert 0.6 < sum(1 for s in csat if s >= 4) / len(csat) < 0.9  # skewed high, not perfect
    assert set(csat) == set(SCALES["csat"])


def test_user_agents_are_real_browsers_on_real_systems(data: dict[str, Rows]) -> None:
    from ua_parser import parse

    seen = set()
    for agent in {r["user_agent"] for r in data["ratings"] if r["user_agent"]}:
        parsed = parse(agent)
        assert parsed.user_agent is not None and parsed.os is not None, agent
        seen.add((parsed.user_agent.family, parsed.os.family))
    browsers = {browser for browser, _ in seen}
    systems = {system for _, system in seen}
    assert {"Chrome", "Firefox", "Safari", "Mobile Safari", "Edge"} <= browsers
    assert {"Windows", "Mac OS X", "iOS", "Android", "Linux"} <= systems


def test_transactions_are_exact_amounts_in_real_currencies(data: dict[str, Rows]) -> None:
    transactions = data["transactions"]
    assert {t["currency"] for t in transactions} == {"EUR", "USD", "GBP", "CHF"}
    for row in transactions:
        assert re.fullmatch(r"\d+\.\d\d\d?\d?", row["amount"]), row
        assert Decimal(row["amount"]) > 0
        moment(row["created_at"])
    # promotions bill 15 % off to the 1/10,000 unit: sums must be exact beyond cents
    awkward = [t for t in transactions if len(t["amount"].split(".")[1]) > 2]
    assert 0.02 * len(transactions) < len(awkward) < 0.2 * len(transactions)
    converted = {(t["account_id"], t["conversation_id"]) for t in transactions}
    assert 0.03 * len(data["conversations"]) < len(converted) < 0.3 * len(data["conversations"])


def test_stage_changes_follow_their_conversations(data: dict[str, Rows]) -> None:
    conversations = {(c["account_id"], c["id"]): c for c in data["conversations"]}
    stages: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for row in data["stage_changes"]:
        stages[row["account_id"], row["conversation_id"]].append(row)
    for key, changes in stages.items():
        conversation = conversations[key]
        assert {c["pipeline"] for c in changes} == {conversation["pipeline"]}
        times = [moment(c["entered_at"]) for c in changes]
        assert times == sorted(times)
        assert changes[0]["stage"] == "new"
        assert times[0] == moment(conversation["created_at"])
        if conversation["status"] == "closed" and conversation["pipeline"] == "support":
            assert changes[-1]["stage"] == "resolved"
            assert times[-1] == moment(conversation["closed_at"])
    support = [[c["stage"] for c in changes] for changes in stages.values()
               if changes[0]["pipeline"] == "support"]  # fmt: skip
    assert ["new", "in progress", "waiting on customer", "in progress", "resolved"] in support
    with_pipeline = [c for c in conversations.values() if c["pipeline"]]
    assert len(stages) == len(with_pipeline)
    pipelines = Counter(c["pipeline"] for c in with_pipeline)
    assert pipelines["support"] > pipelines["sales"] > 0


def test_busier_on_mondays_and_during_the_day(data: dict[str, Rows]) -> None:
    zone = zones(data)
    weekdays = Counter()
    hours = Counter()
    for row in data["conversations"]:
        when = local(row["created_at"], zone[row["account_id"]])
        weekdays[when.weekday()] += 1
        hours[when.hour] += 1
    assert weekdays[0] == max(weekdays.values())
    assert weekdays[6] < weekdays[0] / 2
    assert sum(hours[h] for h in range(9, 17)) > 5 * sum(hours[h] for h in range(0, 8))


def test_people(data: dict[str, Rows]) -> None:
    for account in ("acme", "globex"):
        users = [u for u in data["users"] if u["account_id"] == account]
        humans = [u for u in users if u["is_bot"] == "false"]
        assert 15 <= len(humans) <= 25
        assert 1 <= len(users) - len(humans) <= 2
        members = {m["user_id"] for m in data["team_members"] if m["account_id"] == account}
        assert {u["id"] for u in humans} <= members
        inboxes = [i for i in data["inboxes"] if i["account_id"] == account]
        assert len({i["name"] for i in inboxes}) == len(inboxes) >= 3
    u17 = [u for u in data["users"] if u["account_id"] == "acme" and u["id"] == "u17"]
    assert u17 and u17[0]["is_bot"] == "false" and u17[0]["name"]
    countries = Counter(c["country"] for c in data["customers"] if c["country"])
    assert {"FR", "DE", "US", "GB", "ES", "IT", "NL", "SE", "FI", "BR", "IN", "JP"} <= set(
        countries
    )
    assert all(re.fullmatch(r"[A-Z]{2}", country) for country in countries)
    assert sum(1 for c in data["customers"] if c["name"]) > 0.9 * len(data["customers"])


def test_small_size(data: dict[str, Rows]) -> None:
    assert 5_500 <= len(data["conversations"]) <= 6_500
    assert 4_000 <= len(data["ratings"]) <= 6_500


# The example queries of the product (shared/examples) run against the first account with these
# filters; each must find rows to report on.


def acme(data: dict[str, Rows], table: str) -> Rows:
    return [row for row in data[table] if row["account_id"] == "acme"]


def test_example_happiness_report_has_march_ratings_for_u17(data: dict[str, Rows]) -> None:
    assignee = {c["id"]: c["assignee_id"] for c in acme(data, "conversations")}
    march = [r for r in acme(data, "ratings") if r["survey"] == "happiness"
             and in_month(r["created_at"], "Europe/Paris", 2026, range(3, 4))]  # fmt: skip
    assert len(march) > 50
    assert {r["score"] for r in march} == {"1", "2", "3"}
    assert any(r["comment"] for r in march)
    assert sum(1 for r in march if assignee.get(r["conversation_id"]) == "u17") >= 2


def test_example_survey_anatomy_has_every_survey_source_country_and_device(
    data: dict[str, Rows],
) -> None:
    quarter = [r for r in acme(data, "ratings")
               if in_month(r["created_at"], "Europe/Helsinki", 2026, range(1, 4))]  # fmt: skip
    assert {r["survey"] for r in quarter} == set(SCALES)
    channel = {c["id"]: c["channel"] for c in acme(data, "conversations")}
    sources = {r["channel"] or channel[r["conversation_id"]] for r in quarter}
    assert {"email", "chat", "external"} <= sources
    country = {c["id"]: c["country"] for c in acme(data, "customers")}
    assert len({country.get(r["customer_id"]) for r in quarter if r["customer_id"]}) > 5
    assert len({r["user_agent"] for r in quarter}) > 8


def test_example_company_report_has_february_conversations_in_two_inboxes(
    data: dict[str, Rows],
) -> None:
    february = [c for c in acme(data, "conversations") if c["inbox_id"] in ("ib01", "ib02")
                and in_month(c["created_at"], "Europe/Paris", 2026, range(2, 3))]  # fmt: skip
    assert len(february) > 100
    assert {c["channel"] for c in february} == {"email", "chat", "phone", "social"}


def test_example_service_reports_have_support_pipeline_chats_and_emails(
    data: dict[str, Rows],
) -> None:
    half = [c for c in acme(data, "conversations")
            if c["pipeline"] == "support" and c["channel"] in ("chat", "email")
            and c["status"] == "closed"
            and in_month(c["closed_at"], "Europe/Paris", 2026, range(1, 7))]  # fmt: skip
    assert len(half) > 1_000
    assert len({c["team_id"] for c in half if c["team_id"]}) >= 3
    ids = {c["id"] for c in half}
    stages = {s["stage"] for s in acme(data, "stage_changes") if s["conversation_id"] in ids}
    assert stages == {"new", "in progress", "waiting on customer", "resolved"}


def test_example_performance_has_april_chats_in_ib03_with_orders_and_bots(
    data: dict[str, Rows],
) -> None:
    april = [c for c in acme(data, "conversations")
             if c["inbox_id"] == "ib03" and c["channel"] == "chat" and c["status"] == "closed"
             and in_month(c["closed_at"], "Europe/Paris", 2026, range(4, 5))]  # fmt: skip
    ids = {c["id"] for c in april}
    assert len(ids) > 25
    ordered = {t["conversation_id"] for t in acme(data, "transactions")} & ids
    assert 0.05 * len(ids) < len(ordered) < 0.8 * len(ids)
    bots = {u["id"] for u in acme(data, "users") if u["is_bot"] == "true"}
    assert any(c["assignee_id"] in bots for c in april)
    assert len({c["theme"] for c in april}) >= 4


def test_example_agent_drilldown_has_low_march_csat_for_several_agents(
    data: dict[str, Rows],
) -> None:
    assignee = {c["id"]: c["assignee_id"] for c in acme(data, "conversations")}
    low = [r for r in acme(data, "ratings") if r["survey"] == "csat" and r["score"] in ("1", "2")
           and r["conversation_id"]
           and in_month(r["created_at"], "Europe/Paris", 2026, range(3, 4))]  # fmt: skip
    assert len({assignee[r["conversation_id"]] for r in low}) >= 3


def test_generation_is_deterministic_for_a_seed(folder: Path, tmp_path: Path) -> None:
    generate_csv(tmp_path / "same", size=SIZES["small"], seed=1, console=quiet())
    generate_csv(tmp_path / "other", size=SIZES["small"], seed=2, console=quiet())
    for name in SPEC_COLUMNS:
        assert (tmp_path / "same" / name).read_bytes() == (folder / name).read_bytes(), name
    assert (tmp_path / "other" / "ratings.csv").read_bytes() != (
        folder / "ratings.csv"
    ).read_bytes()


def test_large_size_meets_the_benchmark_floors(tmp_path: Path) -> None:
    """SPEC section 10 without generating it all: the world is built in full, and one month is
    simulated to measure ratings and messages per conversation."""
    worlds = [account_world(index, "large", 1) for index in range(2)]
    assert sum(len(world.people.users) for world in worlds) == 200
    conversations = sum(sum(world.daily_counts) for world in worlds)
    assert conversations >= 300_000
    chunk = plan_chunks(SIZES["large"], 1)[3]
    simulate_chunk(chunk, "large", 1, tmp_path)
    lines = {
        name: (tmp_path / chunk.name / name).read_bytes().count(b"\n")
        for name in ("conversations.csv", "ratings.csv", "messages.csv")
    }
    assert lines["conversations.csv"] == chunk.conversations
    per_conversation = {name: count / chunk.conversations for name, count in lines.items()}
    assert per_conversation["ratings.csv"] * conversations >= 1_050_000
    assert per_conversation["messages.csv"] * conversations >= 1_600_000


def test_csv_files_write_none_as_empty(tmp_path: Path) -> None:
    with CsvFiles(tmp_path, ["teams.csv"], header=True) as files:
        files.writer("teams.csv").writerow(("acme", "t9", None))
    assert (tmp_path / "teams.csv").read_text() == "account_id,id,name\nacme,t9,\n"
