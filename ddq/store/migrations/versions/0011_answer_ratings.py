"""Each person's latest rating of a scored item, so that the spread of colleagues' ratings can be shown.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 14:00:00.000000

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade():
    op.create_table(
        'answer_ratings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('answer_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('value', JSON_TYPE, nullable=False),
        sa.Column('rated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['answer_id'], ['answers.id'], name=op.f('fk_answer_ratings_answer_id_answers'), ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_answer_ratings_user_id_users'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_answer_ratings')),
        sa.UniqueConstraint('answer_id', 'user_id', name=op.f('uq_answer_ratings_answer_id')),
    )
    op.create_index(op.f('ix_answer_ratings_answer_id'), 'answer_ratings', ['answer_id'], unique=False)
    op.create_index(op.f('ix_answer_ratings_user_id'), 'answer_ratings', ['user_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_answer_ratings_user_id'), table_name='answer_ratings')
    op.drop_index(op.f('ix_answer_ratings_answer_id'), table_name='answer_ratings')
    op.drop_table('answer_ratings')
