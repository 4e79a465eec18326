"""rating rollup per local year and user

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 08:30:00

A dashboard over a calendar year ranked its agents from four quarters of `rating_user_quarters`
(50k rows for acme's 2026 on the peer benchmark, 5.5 ms on SQLite against 1.3 ms for a quarter);
a yearly rollup holds 17k for the year. It is counted from the quarterly
rollup (server.metrics.rollups), here for the ratings already stored.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

NAME = "rating_user_years"
COLUMNS = ["account_id", "survey", "year", "score", "inbox_id", "user_id", "n"]


def upgrade() -> None:
    op.create_table(
        NAME,
        sa.Column("account_id", sa.String, nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("survey", sa.String, nullable=False),
        sa.Column("score", sa.SmallInteger, nullable=False),
        sa.Column("inbox_id", sa.String),
        sa.Column("user_id", sa.String),
        sa.Column("n", sa.Integer, nullable=False),
    )
    op.create_index(f"ix_{NAME}_covering", NAME, COLUMNS)
    _count_existing_ratings()


def downgrade() -> None:
    op.drop_index(f"ix_{NAME}_covering", table_name=NAME)
    op.drop_table(NAME)


def _count_existing_ratings() -> None:
    from server.ingest.rollups import count_stored_ratings

    count_stored_ratings(op.get_bind(), [NAME])
