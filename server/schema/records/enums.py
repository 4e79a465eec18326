"""The enums of record fields."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="A happiness rating's answer.")
class RatingLabel(Enum):
    GREAT = "GREAT"
    OKAY = "OKAY"
    NOT_GOOD = "NOT_GOOD"


HAPPINESS_LABELS = {3: RatingLabel.GREAT, 2: RatingLabel.OKAY, 1: RatingLabel.NOT_GOOD}


@strawberry.enum
class AuthorType(Enum):
    CUSTOMER = "customer"
    USER = "user"
    BOT = "bot"


@strawberry.enum
class MessageKind(Enum):
    REPLY = "reply"
    NOTE = "note"
