"""repairs follow-up: the dispatch clock of repair tickets, before / after photos of work orders

Revision ID: 0008_repairs_followup
Revises: 0007_callbacks
Create Date: 2026-11-26 06:50:00.000000
"""

from alembic import op
import sqlalchemy as sa

from servicehub.migrate import execute_per_tenant

revision = '0008_repairs_followup'
down_revision = '0007_callbacks'
branch_labels = None
depends_on = None

# Written out as in tickets/models.py (the sweep's predicate implies the index's).
OPEN_UNDISPATCHED = "status IN ('new', 'assigned', 'in_progress') AND type = 'repair' AND dispatched_at IS NULL"

# Repairs logged before the clock: due when their response was (the repair's response target is the
# dispatch target), dispatched when their first work order was.
BACKFILL = (
    "UPDATE tickets SET dispatch_due_at = response_due_at, dispatched_at = ("
    "SELECT min(w.created_at) FROM work_orders w WHERE w.tenant_id = tickets.tenant_id AND w.ticket_id = tickets.id) "
    "WHERE type = 'repair'"
)


def upgrade() -> None:
    # `escalations.rule` is a VARCHAR(20) without a CHECK (a non-native enum): 'sla_dispatch' needs no change.
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dispatch_due_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('dispatched_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('dispatch_breached_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_tickets_open_dispatch_due', ['tenant_id', 'dispatch_due_at'], unique=False,
                              postgresql_where=sa.text(OPEN_UNDISPATCHED), sqlite_where=sa.text(OPEN_UNDISPATCHED))

    with op.batch_alter_table('ticket_attachments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('work_order_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('stage', sa.Enum('before', 'after', name='photo_stage', native_enum=False,
                                                       length=20), nullable=True))
        batch_op.create_foreign_key(op.f('fk_ticket_attachments_work_order_id_work_orders'), 'work_orders',
                                    ['work_order_id'], ['id'])
        batch_op.create_check_constraint(op.f('ck_ticket_attachments_work_order_stage'),
                                         "(work_order_id IS NULL) = (stage IS NULL)")
        batch_op.create_index('ix_ticket_attachments_tenant_id_work_order_id', ['tenant_id', 'work_order_id'],
                              unique=False)

    # A ticket reopened and resolved again is called back again: one callback per ticket, kind and round
    # (the resolution it follows), the rows so far being of the first.
    with op.batch_alter_table('callbacks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('round', sa.Integer(), nullable=False, server_default='1'))
        batch_op.drop_constraint('uq_callbacks_tenant_id_ticket_id_kind', type_='unique')
        batch_op.create_unique_constraint(op.f('uq_callbacks_tenant_id_ticket_id_kind_round'),
                                          ['tenant_id', 'ticket_id', 'kind', 'round'])

    execute_per_tenant(op, BACKFILL)


def downgrade() -> None:
    # Back to one callback per ticket and kind: the later rounds go.
    op.execute("DELETE FROM callback_attempts WHERE callback_id IN (SELECT id FROM callbacks WHERE round > 1)")
    op.execute("DELETE FROM callbacks WHERE round > 1")
    with op.batch_alter_table('callbacks', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('uq_callbacks_tenant_id_ticket_id_kind_round'), type_='unique')
        batch_op.create_unique_constraint('uq_callbacks_tenant_id_ticket_id_kind', ['tenant_id', 'ticket_id', 'kind'])
        batch_op.drop_column('round')

    with op.batch_alter_table('ticket_attachments', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_attachments_tenant_id_work_order_id')
        batch_op.drop_constraint(op.f('ck_ticket_attachments_work_order_stage'), type_='check')
        batch_op.drop_constraint(op.f('fk_ticket_attachments_work_order_id_work_orders'), type_='foreignkey')
        batch_op.drop_column('stage')
        batch_op.drop_column('work_order_id')

    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_open_dispatch_due', postgresql_where=sa.text(OPEN_UNDISPATCHED),
                            sqlite_where=sa.text(OPEN_UNDISPATCHED))
        batch_op.drop_column('dispatch_breached_at')
        batch_op.drop_column('dispatched_at')
        batch_op.drop_column('dispatch_due_at')
