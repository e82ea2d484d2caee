"""background work

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 01:05:06.644924
"""

from alembic import op
import sqlalchemy as sa

from servicehub.migrate import disable_tenant_rls, enable_tenant_rls

TENANT_TABLES = ("service_settings", "alerts", "deliveries", "outbox", "callbacks", "notifications")


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('service_settings',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('major_households', sa.Integer(), nullable=False),
    sa.Column('group_complaint_count', sa.Integer(), nullable=False),
    sa.Column('group_complaint_days', sa.Integer(), nullable=False),
    sa.Column('group_complaint_scope', sa.Enum('project', 'building', name='cluster_scope', native_enum=False, length=20), nullable=False),
    sa.Column('reminder_minutes', sa.Integer(), nullable=False),
    sa.Column('sla_escalation', sa.Boolean(), nullable=False),
    sa.Column('webhook_url', sa.String(length=500), nullable=True),
    sa.Column('webhook_secret', sa.String(length=200), nullable=True),
    sa.Column('sms_on_major', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('major_households >= 1 AND group_complaint_count >= 2 AND group_complaint_days >= 1 AND reminder_minutes >= 5', name=op.f('ck_service_settings_ranges')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_service_settings_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', name=op.f('pk_service_settings'))
    )
    op.create_table('alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('building', sa.String(length=20), nullable=True),
    sa.Column('ticket_ids', sa.JSON(), nullable=False),
    sa.Column('ticket_count', sa.Integer(), nullable=False),
    sa.Column('window_days', sa.Integer(), nullable=False),
    sa.Column('first_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['users.id'], name=op.f('fk_alerts_acknowledged_by_id_users')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_alerts_category_id_categories')),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], name=op.f('fk_alerts_org_unit_id_org_units')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_alerts_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts'))
    )
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index('ix_alerts_tenant_id_org_unit_id_category_id_last_at', ['tenant_id', 'org_unit_id', 'category_id', 'last_at'], unique=False)

    op.create_table('deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('channel', sa.Enum('email', 'sms', 'webhook', name='delivery_channel', native_enum=False, length=20), nullable=False),
    sa.Column('recipient', sa.String(length=500), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'sent', 'failed', name='delivery_status', native_enum=False, length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_deliveries_tenant_id_tenants')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_deliveries_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deliveries')),
    sa.UniqueConstraint('tenant_id', 'key', 'channel', 'recipient', name=op.f('uq_deliveries_tenant_id_key_channel_recipient'))
    )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_deliveries_tenant_id_status_id', ['tenant_id', 'status', 'id'], unique=False)

    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('queue', sa.String(length=20), nullable=False),
    sa.Column('handler', sa.String(length=120), nullable=False),
    sa.Column('args', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'dispatched', 'done', 'failed', name='outbox_status', native_enum=False, length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('available_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('dispatched_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_outbox_created_by_id_users')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_outbox_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_tenant_id_status_available_at', ['tenant_id', 'status', 'available_at'], unique=False)

    op.create_table('callbacks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('resolution', 'major_repair', 'handover', 'property_service', 'design', name='callback_kind', native_enum=False, length=20), nullable=False),
    sa.Column('status', sa.Enum('pending', 'completed', 'cancelled', name='callback_status', native_enum=False, length=20), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_callbacks_assignee_id_users')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_callbacks_customer_id_customers')),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], name=op.f('fk_callbacks_org_unit_id_org_units')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_callbacks_tenant_id_tenants')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_callbacks_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_callbacks')),
    sa.UniqueConstraint('tenant_id', 'ticket_id', 'kind', name=op.f('uq_callbacks_tenant_id_ticket_id_kind'))
    )
    with op.batch_alter_table('callbacks', schema=None) as batch_op:
        batch_op.create_index('ix_callbacks_tenant_id_org_unit_id_status_due_at', ['tenant_id', 'org_unit_id', 'status', 'due_at'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('ref_type', sa.String(length=30), nullable=True),
    sa.Column('ref_id', sa.Integer(), nullable=True),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_notifications_tenant_id_tenants')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_notifications_ticket_id_tickets')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('tenant_id', 'user_id', 'key', name=op.f('uq_notifications_tenant_id_user_id_key'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_tenant_id_user_id_id', ['tenant_id', 'user_id', 'id'], unique=False)

    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminder_count', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sensitive', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column('response_breached_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('resolve_breached_at', sa.DateTime(timezone=True), nullable=True))

    for table in TENANT_TABLES:
        enable_tenant_rls(op, table)
    if op.get_bind().dialect.name == "postgresql":
        # Room on every page for the SLA sweep's updates to stay HOT (they change no indexed column).
        op.execute("ALTER TABLE tickets SET (fillfactor = 90)")


def downgrade() -> None:
    for table in TENANT_TABLES:
        disable_tenant_rls(op, table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE tickets RESET (fillfactor)")
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('resolve_breached_at')
        batch_op.drop_column('response_breached_at')
        batch_op.drop_column('sensitive')

    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.drop_column('reminded_at')
        batch_op.drop_column('reminder_count')

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_tenant_id_user_id_id')

    op.drop_table('notifications')
    with op.batch_alter_table('callbacks', schema=None) as batch_op:
        batch_op.drop_index('ix_callbacks_tenant_id_org_unit_id_status_due_at')

    op.drop_table('callbacks')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_tenant_id_status_available_at')

    op.drop_table('outbox')
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_deliveries_tenant_id_status_id')

    op.drop_table('deliveries')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_alerts_tenant_id_org_unit_id_category_id_last_at')

    op.drop_table('alerts')
    op.drop_table('service_settings')
