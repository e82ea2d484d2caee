"""callbacks: completing them (scores, comment, attempts), the call log, the unreached status

Revision ID: 0007_callbacks
Revises: 0006_repairs
Create Date: 2026-11-26 05:10:00.000000
"""

from alembic import op
import sqlalchemy as sa

from servicehub.migrate import disable_tenant_rls, enable_tenant_rls

# Chained onto 0006_repairs (contractors, work orders, warranty), built in parallel in the same tree.
revision = '0007_callbacks'
down_revision = '0006_repairs'
branch_labels = None
depends_on = None

SCORES = ('satisfaction', 'satisfaction_timeliness', 'satisfaction_quality', 'satisfaction_attitude')


def upgrade() -> None:
    # `status` is a VARCHAR(20) without a CHECK (a non-native enum): 'unreached' needs no change.
    with op.batch_alter_table('callbacks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        for column in SCORES[1:] + SCORES[:1]:
            batch_op.add_column(sa.Column(column, sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('comment', sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('completed_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_callbacks_created_by_id_users'), 'users', ['created_by_id'], ['id'])
        batch_op.create_foreign_key(op.f('fk_callbacks_completed_by_id_users'), 'users', ['completed_by_id'], ['id'])
        batch_op.create_check_constraint(
            op.f('ck_callbacks_scores'), " AND ".join(f"{c} IS NULL OR {c} BETWEEN 1 AND 5" for c in SCORES))

    op.create_table('callback_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('callback_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=False),
    sa.Column('by_name', sa.String(length=80), nullable=False),
    sa.Column('reached', sa.Boolean(), nullable=False),
    sa.Column('comment', sa.String(length=1000), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_callback_attempts_by_id_users')),
    sa.ForeignKeyConstraint(['callback_id'], ['callbacks.id'], name=op.f('fk_callback_attempts_callback_id_callbacks')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_callback_attempts_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_callback_attempts')),
    sa.UniqueConstraint('tenant_id', 'callback_id', 'number', name=op.f('uq_callback_attempts_tenant_id_callback_id_number'))
    )
    enable_tenant_rls(op, 'callback_attempts')


def downgrade() -> None:
    disable_tenant_rls(op, 'callback_attempts')
    op.drop_table('callback_attempts')
    op.execute("UPDATE callbacks SET status = 'pending' WHERE status = 'unreached'")
    with op.batch_alter_table('callbacks', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_callbacks_scores'), type_='check')
        batch_op.drop_constraint(op.f('fk_callbacks_completed_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(op.f('fk_callbacks_created_by_id_users'), type_='foreignkey')
        for column in ('completed_by_id', 'completed_at', 'comment', *SCORES, 'attempts', 'created_by_id'):
            batch_op.drop_column(column)
