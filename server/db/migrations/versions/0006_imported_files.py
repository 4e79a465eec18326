"""fingerprints of the files imported last

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 21:20:00

A nightly re-import of an unchanged export read, validated and derived every row to write none
(43k rows/s on the peer benchmark's data on SQLite). With the fingerprint of each file imported
without a rejected row, the same bytes are recognised and skipped (server.ingest.unchanged).
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "imported_files",
        sa.Column("name", sa.String, primary_key=True),
        sa.Column("fingerprint", sa.String, nullable=False),
        sa.Column("rows", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("imported_files")
