"""covering index for survey reports

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 03:30:00

Survey metrics read ratings by (account, survey, period); the built-in dimensions they are broken
down by most (channel, user) and the inbox every scoped token filters on were read from the table,
row by row. With them in the index, every survey statement is an index-only scan.
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

COVERING = ["account_id", "survey", "created_at", "score", "channel", "user_id", "inbox_id"]


def upgrade() -> None:
    op.create_index("ix_ratings_survey_covering", "ratings", COVERING)
    op.drop_index("ix_ratings_survey_created", table_name="ratings")


def downgrade() -> None:
    op.create_index(
        "ix_ratings_survey_created", "ratings", ["account_id", "survey", "created_at", "score"]
    )
    op.drop_index("ix_ratings_survey_covering", table_name="ratings")
