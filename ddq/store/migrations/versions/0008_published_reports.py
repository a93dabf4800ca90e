"""Published reports: the frozen inputs of each published version, with their fingerprint.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 10:50:00.000000

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

JSON_TYPE = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), 'postgresql')


def upgrade():
    op.create_table(
        'published_reports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('assessment_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('published_by_id', sa.Integer(), nullable=True),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('snapshot', JSON_TYPE, nullable=False),
        sa.CheckConstraint('version >= 1', name=op.f('ck_published_reports_version')),
        sa.CheckConstraint("kind IN ('capacity', 'reciprocal')", name=op.f('ck_published_reports_kind')),
        sa.CheckConstraint('length(fingerprint) = 64', name=op.f('ck_published_reports_fingerprint')),
        sa.ForeignKeyConstraint(
            ['assessment_id'], ['assessments.id'], name=op.f('fk_published_reports_assessment_id_assessments'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['published_by_id'], ['users.id'], name=op.f('fk_published_reports_published_by_id_users')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_published_reports')),
        sa.UniqueConstraint('assessment_id', 'version', name=op.f('uq_published_reports_assessment_id')),
    )
    op.create_index(op.f('ix_published_reports_assessment_id'), 'published_reports', ['assessment_id'])


def downgrade():
    op.drop_index(op.f('ix_published_reports_assessment_id'), table_name='published_reports')
    op.drop_table('published_reports')
