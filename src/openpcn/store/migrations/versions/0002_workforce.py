"""The staff register: posts in post and vacancies, per practice or per PCN.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("practice_code", sa.String(16), nullable=True),
        sa.Column("pcn_code", sa.String(16), nullable=True),
        sa.Column("role", sa.String(64), nullable=False),
        sa.Column("fte", sa.Float(), nullable=False),
        sa.Column("age_band", sa.String(16), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("vacancy", sa.Boolean(), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(255), nullable=False),
    )
    op.create_index("ix_staff_practice_code", "staff", ["practice_code"])
    op.create_index("ix_staff_pcn_code", "staff", ["pcn_code"])


def downgrade() -> None:
    op.drop_index("ix_staff_pcn_code", table_name="staff")
    op.drop_index("ix_staff_practice_code", table_name="staff")
    op.drop_table("staff")
