"""Answers whose value changed after evidence was recorded wait for review.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 11:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        'answers', sa.Column('needs_review', sa.Boolean(), server_default=sa.false(), nullable=False)
    )


def downgrade():
    op.drop_column('answers', 'needs_review')
