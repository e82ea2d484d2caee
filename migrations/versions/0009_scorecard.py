"""scorecard: the done work orders by finish time, the tickets' reopen events, the resolution round
of each work order (the callback round that judges it)

Revision ID: 0009_scorecard
Revises: 0008_repairs_followup
Create Date: 2026-11-26 07:00:00.000000
"""

from alembic import op
import sqlalchemy as sa

from servicehub.migrate import execute_per_tenant

revision = '0009_scorecard'
down_revision = '0008_repairs_followup'
branch_labels = None
depends_on = None

DONE = sa.text("status = 'done'")
REOPENED = sa.text("kind = 'reopened'")


# Work orders before the column: the round is one more than the ticket's reopens before the dispatch.
BACKFILL = (
    "UPDATE work_orders SET ticket_round = 1 + (SELECT count(*) FROM ticket_events e "
    "WHERE e.tenant_id = work_orders.tenant_id AND e.ticket_id = work_orders.ticket_id "
    "AND e.kind = 'reopened' AND e.at < work_orders.created_at)"
)


def upgrade() -> None:
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ticket_round', sa.Integer(), nullable=False, server_default='1'))
    execute_per_tenant(op, BACKFILL)
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.create_index('ix_work_orders_done_finished_at', ['tenant_id', 'finished_at'], unique=False,
                              postgresql_where=DONE, sqlite_where=DONE)
    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_events_reopened', ['tenant_id', 'ticket_id', 'at'], unique=False,
                              postgresql_where=REOPENED, sqlite_where=REOPENED)


def downgrade() -> None:
    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_events_reopened')
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_work_orders_done_finished_at')
        batch_op.drop_column('ticket_round')
