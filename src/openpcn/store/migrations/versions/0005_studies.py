"""Evaluation studies: a named definition (JSON), its author, and the last run's method,
parameters and aggregate summary (never the patient-level matched sets).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "studies",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("method", sa.String(16), nullable=True),
        sa.Column("parameters", sa.JSON(), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.Column("run_by", sa.String(64), nullable=True),
        sa.Column("run_at", sa.DateTime(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("studies")
