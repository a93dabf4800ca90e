"""An assessment's revision, raised by triggers whenever its answers or their documents change, so that scores
worked out for one revision can be kept until it moves (ddq.store.revisions).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 16:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

from ddq.store import revisions

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision', sa.Integer(), server_default=sa.text('0'), nullable=False))
    revisions.install(op.get_bind())


def downgrade():
    revisions.remove(op.get_bind())
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.drop_column('revision')
