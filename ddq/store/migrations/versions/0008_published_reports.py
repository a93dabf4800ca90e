"""Published reports: the frozen inputs of each published version, with their fingerprint.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 10:50:00.000000

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
