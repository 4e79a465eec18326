"""Simulating an account's conversations day by day, and writing them with everything they cause:
messages, pipeline stage changes, survey answers and orders.

Times are integer epoch seconds. A conversation's messages are built first as
`(time, author_type, author_id, kind)` tuples in time order; its status, stages, ratings and
orders are then read off them, so every row agrees with the others (a closed conversation closes
after its last message, ratings come after the close, stages follow the replies).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from random import Random

from server.demo.csvfiles import CsvFiles
from server.demo.people import Customer, Team, User
from server.demo.plans import InboxPlan
from server.demo.purchases import Purchases
from server.demo.rhythm import HOURLY_ARRIVALS
from server.demo.sizes import Size
from server.demo.surveys import Surveys
from server.demo.timestamps import UtcFormatter
from server.demo.weighted import Weighted
from server.demo.world import AccountWorld

Message = tuple[int, str, str | None, str]  # (time, author_type, author_id, kind)

SPAM_RATE = {"email": 0.04, "social": 0.06, "chat": 0.01, "phone": 0.0}
AUTOMATION_BY_CHANNEL = {"chat": 1.0, "email": 0.5, "social": 0.6, "phone": 0.0}
AFTER_HOURS_CHAT_AUTOMATION = 0.6  # out of hours, the chat bot answers what it can
FIRST_CONTACT_RESOLUTION = {"phone": 0.75, "chat": 0.45, "email": 0.32, "social": 0.5}
BOT_TRIAGE_RATE = 0.3  # chats the bot greets before handing over to a human
NOTE_RATE = 0.15
TRANSFER_RATE = 0.1
FOLLOW_UP_RATE = {"email": 0.15, "chat": 0.25, "social": 0.2, "phone": 0.0}
FOLLOW_UP_SECONDS = {"email": (600, 14_400), "chat": (10, 90), "social": (120, 3_600)}
THANKS_RATE = {"email": 0.3, "chat": 0.4, "social": 0.3, "phone": 0.0}
CUSTOMER_SHARE = 0.97  # the rest are anonymous (withheld number, deleted social account)
REPEAT_CUSTOMERS = 1.6  # > 1: a few loyal customers write again and again
# Conversations created in the last days of the data are often still open or pending; a few
# old ones were forgotten.
FORGOTTEN_RATE = 0.015
RECENT_OPEN_RATE = 0.6
RECENT_DAYS = 4
WEB_ORDER_RATE = 0.01  # orders placed without a conversation, per conversation
WAITING_GAP = 1_800  # an agent sets "waiting on customer" when the answer takes longer
THEME_MOOD = {
    "billing": -0.04,
    "returns": -0.05,
    "shipping": -0.03,
    "technical": -0.02,
    "account": 0.0,
    "pricing": 0.02,
    "product": 0.02,
    "": 0.0,
}


def _lognormal(median_seconds: float, sigma: float) -> tuple[float, float]:
    return math.log(median_seconds), sigma


# Delays as (mu, sigma) of a log-normal distribution of seconds, from a median.
FIRST_REPLY = {
    "chat": _lognormal(75, 0.9),
    "email": _lognormal(9_000, 1.0),
    "social": _lognormal(2_400, 1.0),
    "phone": _lognormal(300, 0.5),  # the call itself; its note is the reply
}
NEXT_REPLY = {
    "chat": _lognormal(60, 0.8),
    "email": _lognormal(5_400, 1.0),
    "social": _lognormal(1_800, 1.0),
    "phone": _lognormal(10_800, 0.8),  # a call back
}
CUSTOMER_REPLY = {
    "chat": _lognormal(50, 0.7),
    "email": _lognormal(14_400, 1.2),
    "social": _lognormal(3_600, 1.1),
    "phone": _lognormal(86_400, 0.8),
}
CLOSE_AFTER = {
    "chat": _lognormal(180, 0.8),
    "email": _lognormal(14_400, 1.0),
    "social": _lognormal(3_600, 1.0),
    "phone": _lognormal(120, 0.6),
}
FIRST_REPLY_MEDIAN = {channel: math.exp(mu) for channel, (mu, _) in FIRST_REPLY.items()}


class InboxModel:
    def __init__(self, plan: InboxPlan) -> None:
        self.id = plan.id
        self.conversion = plan.conversion
        self.automation = plan.automation
        self.channels = Weighted(plan.channels.items())
        self.themes = Weighted(plan.themes.items())
        self.pipelines = Weighted(plan.pipelines.items())
        self.teams = Weighted(plan.teams.items())


class ConversationSimulator:
    """Writes one account's conversations of the days asked for into `files` (the fact files)."""

    def __init__(self, world: AccountWorld, size: Size, rng: Random, files: CsvFiles) -> None:
        self.world = world
        self.account_id = world.plan.id
        self.calendar = world.calendar
        self.size = size
        self.rng = rng
        self.format_time = UtcFormatter()
        self.inboxes = Weighted((InboxModel(inbox), inbox.share) for inbox in world.plan.inboxes)
        self.hours = {channel: Weighted(enumerate(w)) for channel, w in HOURLY_ARRIVALS.items()}
        people = world.people
        self.customers: Sequence[Customer] = people.customers
        self.everyone = Weighted((user, user.activity) for user in people.humans)
        self.team_members = {
            team.id: Weighted((user, user.activity) for user in team.members)
            for team in people.teams
        }
        self.teams: dict[str, Team] = {team.id: team for team in people.teams}
        self.bots = people.bots
        self.countries = Weighted(world.plan.countries.items())
        self.write_conversation = files.writer("conversations.csv").writerow
        self.write_message = files.writer("messages.csv").writerow
        self.write_stage = files.writer("stage_changes.csv").writerow
        self.surveys = Surveys(
            self.account_id, size.survey_rates, rng, self.format_time, files.writer("ratings.csv")
        )
        self.purchases = Purchases(
            world.plan, rng, self.format_time, files.writer("transactions.csv")
        )

    def day(self, day: int) -> None:
        """The conversations created on local `day`, numbered in creation order, and the public
        survey answers and web orders of that day."""
        rng = self.rng
        count = self.world.daily_counts[day]
        open_day = self.calendar.is_open_day(day)
        hour_starts = self.calendar.hour_starts[day]
        arrivals = []
        for _ in range(count):
            inbox = self.inboxes.pick(rng)
            channel = inbox.channels.pick(rng)
            if channel == "phone" and not open_day:
                channel = "email"  # the phone line is closed; customers write instead
            created = hour_starts[self.hours[channel].pick(rng)] + rng.randrange(3_600)
            arrivals.append((created, inbox, channel))
        arrivals.sort(key=lambda arrival: arrival[0])
        first_number = self.world.first_number(day)
        for offset, (created, inbox, channel) in enumerate(arrivals):
            self._conversation(first_number + offset, created, inbox, channel)
        self._public_feedback(day, count)

    def _customer(self) -> Customer | None:
        random = self.rng.random
        if random() >= CUSTOMER_SHARE:
            return None
        return self.customers[int(len(self.customers) * random() ** REPEAT_CUSTOMERS)]

    def _conversation(self, number: int, created: int, inbox: InboxModel, channel: str) -> None:
        rng = self.rng
        random = rng.random
        conversation_id = f"c{number}"
        customer = self._customer()
        if random() < SPAM_RATE[channel]:
            self._write(conversation_id, number, inbox.id, customer, channel, "spam", "", None,
                        "", "", created, None)  # fmt: skip
            self._write_messages(conversation_id, [(created, "customer", None, "reply")])
            return

        theme = inbox.themes.pick(rng)
        pipeline = inbox.pipelines.pick(rng)
        team_id = inbox.teams.pick(rng)
        automation = inbox.automation * AUTOMATION_BY_CHANNEL[channel]
        if channel == "chat" and not self.calendar.is_open_at(created):
            automation = max(automation, AFTER_HOURS_CHAT_AUTOMATION)
        transferred = False
        if random() < automation:
            bot = rng.choice(self.bots)
            assignee: User | None = bot
            team_id = ""
            messages = self._automated(created, bot)
        else:
            members = self.team_members.get(team_id, self.everyone)
            assignee = members.pick(rng)
            messages, assignee, transferred = self._handled(
                created, channel, assignee, self.teams.get(team_id)
            )

        age_days = (self.calendar.end - created) / 86_400
        closed: int | None = None
        if random() < FORGOTTEN_RATE + RECENT_OPEN_RATE * math.exp(-age_days / RECENT_DAYS):
            messages = messages[: rng.randint(1, len(messages))]
            _, author_type, _, kind = messages[-1]
            status = "pending" if author_type == "user" and kind == "reply" else "open"
            if status == "open" and len(messages) == 1 and random() < 0.5:
                assignee = None  # nobody has picked it up yet
        else:
            status = "closed"
            closed = self._closing_time(channel, messages[-1][0], assignee)

        human_replies = [t for t, author_type, _, kind in messages
                         if author_type == "user" and kind == "reply"]  # fmt: skip
        converted = False
        if closed is not None:
            engaged = human_replies[0] if human_replies else messages[-1][0]
            chance = self.purchases.chance(inbox.conversion, theme, channel, pipeline)
            if random() < chance:
                country = customer.country if customer else None
                self.purchases.after_conversation(conversation_id, theme, country, engaged, closed)
                converted = True
            satisfaction = self._satisfaction(
                assignee, theme, channel, created, human_replies, transferred
            )
            self.surveys.after_conversation(conversation_id, closed, satisfaction, customer)

        self._write(conversation_id, number, inbox.id, customer, channel, status, theme, assignee,
                    team_id, pipeline, created, closed)  # fmt: skip
        self._write_messages(conversation_id, messages)
        if pipeline:
            self._write_stages(conversation_id, pipeline, created, messages, closed, converted)

    def _automated(self, created: int, bot: User) -> list[Message]:
        """A bot answers (order tracking, opening hours, password reset) and nobody else does."""
        rng = self.rng
        t = created + rng.randrange(2, 9)
        messages: list[Message] = [
            (created, "customer", None, "reply"),
            (t, "bot", bot.id, "reply"),
        ]
        if rng.random() < 0.5:
            t += rng.randrange(20, 300)
            messages.append((t, "customer", None, "reply"))
            t += rng.randrange(2, 9)
            messages.append((t, "bot", bot.id, "reply"))
        if rng.random() < 0.3:
            t += rng.randrange(10, 120)
            messages.append((t, "customer", None, "reply"))
        return messages

    def _handled(
        self, created: int, channel: str, agent: User, team: Team | None
    ) -> tuple[list[Message], User, bool]:
        """Customer and agents take turns until the question is answered; returns the messages,
        the agent who ended up with the conversation and whether it changed hands."""
        rng = self.rng
        random = rng.random
        messages: list[Message] = [(created, "customer", None, "reply")]
        t = created
        if channel == "chat" and random() < BOT_TRIAGE_RATE:
            t += rng.randrange(2, 9)
            messages.append((t, "bot", self.bots[0].id, "reply"))
        if random() < FIRST_CONTACT_RESOLUTION[channel]:
            replies = 1
        else:
            replies = 2 + min(int(rng.expovariate(0.9)), 4)
        transfer_at = rng.randrange(1, replies) if replies > 1 and random() < TRANSFER_RATE else 0
        follow_up_rate = FOLLOW_UP_RATE[channel]
        for turn in range(replies):
            if random() < follow_up_rate:  # the customer writes again before anyone answers
                t += rng.randrange(*FOLLOW_UP_SECONDS[channel])
                messages.append((t, "customer", None, "reply"))
            if turn and turn == transfer_at:
                agent = self._colleague(team, agent)
            mu, sigma = (NEXT_REPLY if turn else FIRST_REPLY)[channel]
            delay = 5 + int(rng.lognormvariate(mu, sigma) * agent.speed)
            reply = self._at_work(self.calendar.next_open(t) + delay)
            if random() < NOTE_RATE and reply - messages[-1][0] > 120:
                note_at = reply - rng.randrange(30, min(900, reply - messages[-1][0]))
                messages.append((note_at, "user", self._colleague(team, agent).id, "note"))
            messages.append((reply, "user", agent.id, "reply"))
            t = reply
            if turn < replies - 1:
                t += 5 + int(rng.lognormvariate(*CUSTOMER_REPLY[channel]))
                messages.append((t, "customer", None, "reply"))
        if random() < THANKS_RATE[channel]:
            t += 5 + int(rng.lognormvariate(*CUSTOMER_REPLY[channel]) / 2)
            messages.append((t, "customer", None, "reply"))
        return messages, agent, transfer_at > 0

    def _at_work(self, t: int) -> int:
        """`t` if the team is working then, else a little after it starts again (not all on the
        stroke of the opening hour). Agents start on a message when they are at work, and finish
        it then too."""
        if self.calendar.is_open_at(t):
            return t
        return self.calendar.next_open(t) + self.rng.randrange(1_800)

    def _colleague(self, team: Team | None, agent: User) -> User:
        members = self.team_members[team.id] if team is not None else self.everyone
        for _ in range(3):
            colleague = members.pick(self.rng)
            if colleague is not agent:
                return colleague
        return agent  # a team of one

    def _closing_time(self, channel: str, last_message: int, assignee: User | None) -> int:
        rng = self.rng
        if assignee is not None and assignee.is_bot:
            return last_message + rng.randrange(60, 1_800)  # closed on inactivity
        closed = last_message + 1 + int(rng.lognormvariate(*CLOSE_AFTER[channel]))
        return closed if channel in ("chat", "phone") else self._at_work(closed)

    def _satisfaction(
        self,
        assignee: User | None,
        theme: str,
        channel: str,
        created: int,
        human_replies: list[int],
        transferred: bool,
    ) -> float:
        """How the customer felt, about 0.85 for a good conversation: slow first answers, long
        threads and being passed around lower it; the agent's own touch moves it a little."""
        mood = 0.85 + THEME_MOOD[theme]
        if assignee is not None and assignee.is_bot:
            mood -= 0.1
        if assignee is not None:
            mood += assignee.quality
        if human_replies:
            wait = (human_replies[0] - created) / FIRST_REPLY_MEDIAN[channel]
            if wait > 4:
                mood -= 0.08
            elif wait > 2:
                mood -= 0.03
            elif wait < 0.5:
                mood += 0.03
            mood += 0.04 if len(human_replies) == 1 else -0.035 * (len(human_replies) - 1)
        if transferred:
            mood -= 0.04
        return mood + self.rng.gauss(0, 0.2)

    def _public_feedback(self, day: int, conversations: int) -> None:
        """Survey answers from the public link and orders placed without talking to anyone."""
        rng = self.rng
        stamp = self.calendar.dates[day].strftime("%Y%m%d")
        hour_starts = self.calendar.hour_starts[day]
        expected = conversations * self.size.external_ratings_per_conversation
        for n in range(1, int(expected + rng.random()) + 1):
            at = hour_starts[self.hours["social"].pick(rng)] + rng.randrange(3_600)
            if rng.random() < 0.6:
                customer = self.customers[rng.randrange(len(self.customers))]
                self.surveys.external(f"x{stamp}-{n}", at, customer.id, None, customer.user_agent)
            else:  # a visitor we know only by their browser and where they are
                device = self.customers[rng.randrange(len(self.customers))].user_agent
                country = self.countries.pick(rng)
                self.surveys.external(f"x{stamp}-{n}", at, None, country, device)
        for n in range(1, int(conversations * WEB_ORDER_RATE + rng.random()) + 1):
            at = hour_starts[self.hours["social"].pick(rng)] + rng.randrange(3_600)
            customer = self.customers[rng.randrange(len(self.customers))]
            self.purchases.web_order(f"w{stamp}-{n}", at, customer.id, customer.country)

    def _write(
        self,
        conversation_id: str,
        number: int,
        inbox_id: str,
        customer: Customer | None,
        channel: str,
        status: str,
        theme: str,
        assignee: User | None,
        team_id: str,
        pipeline: str,
        created: int,
        closed: int | None,
    ) -> None:
        self.write_conversation(
            (
                self.account_id,
                conversation_id,
                number,
                inbox_id,
                customer.id if customer else None,
                channel,
                status,
                theme,
                assignee.id if assignee else None,
                team_id,
                pipeline,
                self.format_time(created),
                self.format_time(closed) if closed is not None else None,
            )
        )

    def _write_messages(self, conversation_id: str, messages: list[Message]) -> None:
        write, account_id, format_time = self.write_message, self.account_id, self.format_time
        for n, (t, author_type, author_id, kind) in enumerate(messages, 1):
            write((account_id, f"{conversation_id}-m{n}", conversation_id, author_type, author_id,
                   kind, format_time(t)))  # fmt: skip

    def _write_stages(
        self,
        conversation_id: str,
        pipeline: str,
        created: int,
        messages: list[Message],
        closed: int | None,
        converted: bool,
    ) -> None:
        stages = _sales_stages if pipeline == "sales" else self._support_stages
        write, account_id, format_time = self.write_stage, self.account_id, self.format_time
        for n, (t, stage) in enumerate(stages(created, messages, closed, converted), 1):
            write((account_id, f"{conversation_id}-s{n}", conversation_id, pipeline, stage,
                   format_time(t)))  # fmt: skip

    def _support_stages(
        self, created: int, messages: list[Message], closed: int | None, _converted: bool
    ) -> list[tuple[int, str]]:
        """new -> in progress (an agent picks it up) -> waiting on customer -> in progress ...
        -> resolved; an agent only marks "waiting" when the customer takes a while to answer."""
        stages = [(created, "new")]
        last_reply: int | None = None
        for t, author_type, _, kind in messages:
            if author_type == "user" and kind == "reply":
                if len(stages) == 1:
                    picked_up = max(created + 1, t - self.rng.randrange(60, 600))
                    stages.append((picked_up, "in progress"))
                last_reply = t
            elif author_type == "customer" and last_reply is not None:
                if t - last_reply > WAITING_GAP:
                    stages.append((last_reply, "waiting on customer"))
                    stages.append((t, "in progress"))
                last_reply = None
        if closed is not None:
            stages.append((closed, "resolved"))
        elif last_reply is not None:
            stages.append((last_reply, "waiting on customer"))  # pending: the ball is theirs
        return stages


def _sales_stages(
    created: int, messages: list[Message], closed: int | None, converted: bool
) -> list[tuple[int, str]]:
    """new -> qualified (first answer) -> proposal sent (second answer) -> won or lost."""
    stages = [(created, "new")]
    replies = [t for t, author_type, _, kind in messages
               if author_type == "user" and kind == "reply"]  # fmt: skip
    if replies:
        stages.append((replies[0], "qualified"))
    if len(replies) > 1:
        stages.append((replies[1], "proposal sent"))
    if closed is not None:
        stages.append((closed, "won" if converted else "lost"))
    return stages
