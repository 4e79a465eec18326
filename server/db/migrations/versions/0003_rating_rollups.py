"""rating rollups per local day, month and quarter

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 04:00:00

Ratings counted per (account, local day or month in the account's zone, survey, score, inbox) and
a dimension (server.metrics.rollups): survey statements read them instead of the raw ratings when
they answer exactly. Existing ratings are counted here with the importer's own statements
(server.ingest.rollups), which keep the rollups true from then on.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ROLLUPS = {
    "rating_months": ("month", []),
    "rating_channel_months": ("month", [sa.Column("channel", sa.String, nullable=False)]),
    "rating_days": ("day", []),
    "rating_channel_days": ("day", [sa.Column("channel", sa.String, nullable=False)]),
    "rating_user_months": ("month", [sa.Column("user_id", sa.String)]),
    "rating_user_quarters": ("quarter", [sa.Column("user_id", sa.String)]),
}


def upgrade() -> None:
    for name, (grain, dimensions) in ROLLUPS.items():
        op.create_table(
            name,
            sa.Column("account_id", sa.String, nullable=False),
            sa.Column(grain, sa.Integer, nullable=False),
            sa.Column("survey", sa.String, nullable=False),
            sa.Column("score", sa.SmallInteger, nullable=False),
            sa.Column("inbox_id", sa.String),
            *dimensions,
            sa.Column("n", sa.Integer, nullable=False),
        )
        columns = ["account_id", "survey", grain, "score", "inbox_id"]
        columns += [d.name for d in dimensions] + ["n"]
        op.create_index(f"ix_{name}_covering", name, columns)
    _count_existing_ratings()


def downgrade() -> None:
    for name in ROLLUPS:
        op.drop_index(f"ix_{name}_covering", table_name=name)
        op.drop_table(name)


def _count_existing_ratings() -> None:
    from server.ingest.rollups import count_stored_ratings

    # this revision's rollups only: later ones are created (and counted) by theirs
    count_stored_ratings(op.get_bind(), ROLLUPS)
