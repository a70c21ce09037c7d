"""glossary: the organisation's own words (recognition hints, kept through translation)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "glossary_terms",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("term", sa.String(length=100), nullable=False),
        sa.Column("term_key", sa.String(length=100), nullable=False),
        sa.Column("renderings", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_glossary_terms"),
        sa.UniqueConstraint("term_key", name="uq_glossary_terms_term_key"),
    )


def downgrade() -> None:
    op.drop_table("glossary_terms")
