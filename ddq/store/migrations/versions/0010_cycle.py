"""The partnership cycle: message preferences (daily digest, muted reminders), joint partnership reviews.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 12:00:00.000000

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

OLD_STATUSES = "status IN ('queued', 'sending', 'sent', 'logged', 'failed')"
NEW_STATUSES = "status IN ('queued', 'sending', 'sent', 'logged', 'failed', 'held', 'digested')"


def upgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_outbox_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_outbox_status'), NEW_STATUSES)
    op.create_table(
        'mail_preferences',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('digest', sa.Boolean(), nullable=False),
        sa.Column('mute_reminders', sa.Boolean(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_mail_preferences_user_id_users'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_mail_preferences')),
    )
    op.create_table(
        'partnership_reviews',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('partnership_id', sa.Integer(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('cycle_months', sa.Integer(), nullable=False),
        sa.Column('decision', sa.String(length=20), nullable=True),
        sa.Column('reasons', sa.Text(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('agreed_tier', sa.String(length=30), nullable=True),
        sa.Column('agreed_cycle_months', sa.Integer(), nullable=True),
        sa.Column('agreed_terms', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('cycle_months BETWEEN 1 AND 60', name=op.f('ck_partnership_reviews_cycle_months')),
        sa.CheckConstraint(
            "decision IS NULL OR decision IN ('continue', 'adjust_terms', 'scale_back', 'end')",
            name=op.f('ck_partnership_reviews_decision'),
        ),
        sa.CheckConstraint(
            'decision IS NULL OR (reasons IS NOT NULL AND decided_at IS NOT NULL)',
            name=op.f('ck_partnership_reviews_reasons'),
        ),
        sa.CheckConstraint(
            'agreed_cycle_months IS NULL OR agreed_cycle_months BETWEEN 1 AND 60',
            name=op.f('ck_partnership_reviews_agreed'),
        ),
        sa.ForeignKeyConstraint(
            ['decided_by_id'], ['users.id'], name=op.f('fk_partnership_reviews_decided_by_id_users')
        ),
        sa.ForeignKeyConstraint(
            ['partnership_id'],
            ['partnerships.id'],
            name=op.f('fk_partnership_reviews_partnership_id_partnerships'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_partnership_reviews')),
    )
    op.create_index(
        op.f('ix_partnership_reviews_partnership_id'), 'partnership_reviews', ['partnership_id'], unique=False
    )
    op.create_index(
        'uq_partnership_reviews_one_open',
        'partnership_reviews',
        ['partnership_id'],
        unique=True,
        sqlite_where=sa.text('decision IS NULL'),
        postgresql_where=sa.text('decision IS NULL'),
    )
    op.create_table(
        'review_answers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('review_id', sa.Integer(), nullable=False),
        sa.Column('side', sa.String(length=10), nullable=False),
        sa.Column('question_id', sa.String(length=100), nullable=False),
        sa.Column(
            'value', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True
        ),
        sa.Column('answered_by_id', sa.Integer(), nullable=True),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("side IN ('partner', 'institute')", name=op.f('ck_review_answers_side')),
        sa.ForeignKeyConstraint(
            ['answered_by_id'], ['users.id'], name=op.f('fk_review_answers_answered_by_id_users')
        ),
        sa.ForeignKeyConstraint(
            ['review_id'],
            ['partnership_reviews.id'],
            name=op.f('fk_review_answers_review_id_partnership_reviews'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_review_answers')),
        sa.UniqueConstraint('review_id', 'side', 'question_id', name=op.f('uq_review_answers_review_id')),
    )
    op.create_index(op.f('ix_review_answers_review_id'), 'review_answers', ['review_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_review_answers_review_id'), table_name='review_answers')
    op.drop_table('review_answers')
    op.drop_index('uq_partnership_reviews_one_open', table_name='partnership_reviews')
    op.drop_index(op.f('ix_partnership_reviews_partnership_id'), table_name='partnership_reviews')
    op.drop_table('partnership_reviews')
    op.drop_table('mail_preferences')
    # before 0010 nothing was held for a digest: held messages leave at once, digested ones count as sent
    op.execute("UPDATE outbox SET status = 'queued' WHERE status = 'held'")
    op.execute("UPDATE outbox SET status = 'sent' WHERE status = 'digested'")
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_outbox_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_outbox_status'), OLD_STATUSES)
