"""Each assessment's revision, raised by triggers whenever its answers or their documents change, so that scores
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
    op.create_table(
        'assessment_revisions',
        sa.Column('assessment_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['assessment_id'],
            ['assessments.id'],
            name=op.f('fk_assessment_revisions_assessment_id_assessments'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('assessment_id', name=op.f('pk_assessment_revisions')),
    )
    revisions.install(op.get_bind())


def downgrade():
    revisions.remove(op.get_bind())
    op.drop_table('assessment_revisions')
