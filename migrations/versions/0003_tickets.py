"""tickets

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 00:24:13.802504
"""

from alembic import op
import sqlalchemy as sa

from servicehub.categories.defaults import default_rows
from servicehub.migrate import disable_tenant_rls, drop_append_only, enable_tenant_rls, make_append_only

TENANT_TABLES = ("categories", "ticket_counters", "idempotency_keys", "sla_targets", "tickets", "escalations",
                 "ticket_attachments", "ticket_comments", "ticket_events")


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('default_function', sa.Enum('customer_service', 'engineering', 'sales', 'property', 'design', 'marketing', name='function', native_enum=False, length=32), nullable=True),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['categories.id'], name=op.f('fk_categories_parent_id_categories')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_categories_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_categories')),
    sa.UniqueConstraint('tenant_id', 'code', name=op.f('uq_categories_tenant_id_code'))
    )
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.create_index('ix_categories_tenant_id_parent_id', ['tenant_id', 'parent_id'], unique=False)

    op.create_table('ticket_counters',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=6), nullable=False),
    sa.Column('last_value', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_ticket_counters_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'period', name=op.f('pk_ticket_counters'))
    )
    op.create_table('idempotency_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('operation', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_idempotency_keys_tenant_id_tenants')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_idempotency_keys_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_keys')),
    sa.UniqueConstraint('tenant_id', 'user_id', 'operation', 'key', name=op.f('uq_idempotency_keys_tenant_id_user_id_operation_key'))
    )
    op.create_table('sla_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_type', sa.Enum('complaint', 'repair', 'inquiry', 'suggestion', 'praise', name='ticket_type', native_enum=False, length=20), nullable=False),
    sa.Column('priority', sa.Enum('urgent', 'high', 'normal', 'low', name='priority', native_enum=False, length=20), nullable=False),
    sa.Column('response_minutes', sa.Integer(), nullable=False),
    sa.Column('resolve_minutes', sa.Integer(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('response_minutes > 0 AND resolve_minutes >= response_minutes', name=op.f('ck_sla_targets_minutes')),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], name=op.f('fk_sla_targets_org_unit_id_org_units')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_sla_targets_tenant_id_tenants')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_sla_targets_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_targets')),
    sa.UniqueConstraint('tenant_id', 'org_unit_id', 'ticket_type', 'priority', name=op.f('uq_sla_targets_tenant_id_org_unit_id_ticket_type_priority'))
    )
    op.create_table('tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('type', sa.Enum('complaint', 'repair', 'inquiry', 'suggestion', 'praise', name='ticket_type', native_enum=False, length=20), nullable=False),
    sa.Column('channel', sa.Enum('phone', 'walk_in', 'wechat', 'web', 'email', 'letter', 'hotline', 'other', name='channel', native_enum=False, length=20), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('priority', sa.Enum('urgent', 'high', 'normal', 'low', name='priority', native_enum=False, length=20), nullable=False),
    sa.Column('status', sa.Enum('new', 'assigned', 'in_progress', 'resolved', 'closed', 'cancelled', name='ticket_status', native_enum=False, length=20), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('property_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('is_major', sa.Boolean(), nullable=False),
    sa.Column('households_affected', sa.Integer(), nullable=False),
    sa.Column('first_responder_id', sa.Integer(), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('function', sa.Enum('customer_service', 'engineering', 'sales', 'property', 'design', 'marketing', name='function', native_enum=False, length=32), nullable=True),
    sa.Column('escalation_level', sa.Enum('project', 'region', 'hq', name='escalation_level', native_enum=False, length=20), nullable=False),
    sa.Column('contacted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('logged_late', sa.Boolean(), nullable=False),
    sa.Column('response_due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolve_due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sla_breached', sa.Boolean(), nullable=False),
    sa.Column('satisfaction', sa.Integer(), nullable=True),
    sa.Column('reopen_count', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('households_affected >= 1', name=op.f('ck_tickets_households')),
    sa.CheckConstraint('satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5', name=op.f('ck_tickets_satisfaction')),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_tickets_assignee_id_users')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_tickets_category_id_categories')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_tickets_customer_id_customers')),
    sa.ForeignKeyConstraint(['first_responder_id'], ['users.id'], name=op.f('fk_tickets_first_responder_id_users')),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], name=op.f('fk_tickets_org_unit_id_org_units')),
    sa.ForeignKeyConstraint(['property_id'], ['properties.id'], name=op.f('fk_tickets_property_id_properties')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_tickets_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tickets')),
    sa.UniqueConstraint('tenant_id', 'number', name=op.f('uq_tickets_tenant_id_number'))
    )
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index('ix_tickets_open_resolve_due', ['tenant_id', 'resolve_due_at'], unique=False, postgresql_where=sa.text("status IN ('new', 'assigned', 'in_progress')"), sqlite_where=sa.text("status IN ('new', 'assigned', 'in_progress')"))
        batch_op.create_index('ix_tickets_open_response_due', ['tenant_id', 'response_due_at'], unique=False, postgresql_where=sa.text("status IN ('new', 'assigned', 'in_progress') AND responded_at IS NULL"), sqlite_where=sa.text("status IN ('new', 'assigned', 'in_progress') AND responded_at IS NULL"))
        batch_op.create_index('ix_tickets_tenant_id_assignee_id_status', ['tenant_id', 'assignee_id', 'status'], unique=False)
        batch_op.create_index('ix_tickets_tenant_id_created_at', ['tenant_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_tickets_tenant_id_customer_id', ['tenant_id', 'customer_id'], unique=False)
        batch_op.create_index('ix_tickets_tenant_id_first_responder_id', ['tenant_id', 'first_responder_id'], unique=False)
        batch_op.create_index('ix_tickets_tenant_id_org_unit_id_created_at', ['tenant_id', 'org_unit_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_tickets_tenant_id_org_unit_id_status_created_at', ['tenant_id', 'org_unit_id', 'status', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_tickets_tenant_id_property_id', ['tenant_id', 'property_id'], unique=False)
        batch_op.create_index('ix_tickets_tenant_id_status_created_at', ['tenant_id', 'status', 'created_at', 'id'], unique=False)

    op.create_table('escalations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('from_level', sa.Enum('project', 'region', 'hq', name='escalation_level', native_enum=False, length=20), nullable=False),
    sa.Column('to_level', sa.Enum('project', 'region', 'hq', name='escalation_level', native_enum=False, length=20), nullable=False),
    sa.Column('rule', sa.Enum('manual', 'major', 'group_complaint', 'sensitive', 'sla_response', 'sla_resolution', name='escalation_rule', native_enum=False, length=20), nullable=False),
    sa.Column('reason', sa.String(length=1000), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['users.id'], name=op.f('fk_escalations_acknowledged_by_id_users')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_escalations_created_by_id_users')),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], name=op.f('fk_escalations_org_unit_id_org_units')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_escalations_tenant_id_tenants')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_escalations_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_escalations')),
    sa.UniqueConstraint('tenant_id', 'ticket_id', 'rule', 'to_level', name=op.f('uq_escalations_tenant_id_ticket_id_rule_to_level'))
    )
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.create_index('ix_escalations_tenant_id_to_level_acknowledged_at', ['tenant_id', 'to_level', 'acknowledged_at'], unique=False)

    op.create_table('ticket_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('storage_key', sa.String(length=255), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_name', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_ticket_attachments_tenant_id_tenants')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_attachments_ticket_id_tickets')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_ticket_attachments_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_attachments'))
    )
    with op.batch_alter_table('ticket_attachments', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_attachments_tenant_id_ticket_id', ['tenant_id', 'ticket_id'], unique=False)

    op.create_table('ticket_comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('internal', 'reply', name='comment_kind', native_enum=False, length=20), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('author_name', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_ticket_comments_author_id_users')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_ticket_comments_tenant_id_tenants')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_comments_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_comments'))
    )
    with op.batch_alter_table('ticket_comments', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_comments_tenant_id_ticket_id_id', ['tenant_id', 'ticket_id', 'id'], unique=False)

    op.create_table('ticket_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_ticket_events_actor_id_users')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_ticket_events_tenant_id_tenants')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_events_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_events'))
    )
    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_events_tenant_id_ticket_id_id', ['tenant_id', 'ticket_id', 'id'], unique=False)

    make_append_only(op, "ticket_events")
    for table in TENANT_TABLES:
        enable_tenant_rls(op, table)
    _default_categories()


def _default_categories() -> None:
    """Every existing group gets the default category tree (new groups get it when created)."""
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # The owner runs this; the policies bind it too (FORCE), so open them for the copy.
        op.execute("SELECT set_config('app.tenant_id', '', true)")
    tenants = [row[0] for row in bind.execute(sa.text("SELECT id FROM tenants"))]
    for tenant_id in tenants:
        if bind.dialect.name == "postgresql":
            bind.execute(sa.text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant_id)})
        ids = {}
        for code, name, function, parent_code, order in default_rows():
            row = bind.execute(sa.text(
                "INSERT INTO categories (tenant_id, parent_id, code, name, default_function, sort_order, is_active, "
                "created_at, updated_at) VALUES (:t, :p, :c, :n, :f, :o, true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) "
                "RETURNING id"), {"t": tenant_id, "p": ids.get(parent_code), "c": code, "n": name, "f": function,
                                  "o": order}).scalar_one()
            ids[code] = row
    if bind.dialect.name == "postgresql":
        op.execute("SELECT set_config('app.tenant_id', '', true)")



def downgrade() -> None:
    for table in TENANT_TABLES:
        disable_tenant_rls(op, table)
    drop_append_only(op, "ticket_events")
    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_events_tenant_id_ticket_id_id')

    op.drop_table('ticket_events')
    with op.batch_alter_table('ticket_comments', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_comments_tenant_id_ticket_id_id')

    op.drop_table('ticket_comments')
    with op.batch_alter_table('ticket_attachments', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_attachments_tenant_id_ticket_id')

    op.drop_table('ticket_attachments')
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.drop_index('ix_escalations_tenant_id_to_level_acknowledged_at')

    op.drop_table('escalations')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_tenant_id_status_created_at')
        batch_op.drop_index('ix_tickets_tenant_id_property_id')
        batch_op.drop_index('ix_tickets_tenant_id_org_unit_id_status_created_at')
        batch_op.drop_index('ix_tickets_tenant_id_org_unit_id_created_at')
        batch_op.drop_index('ix_tickets_tenant_id_first_responder_id')
        batch_op.drop_index('ix_tickets_tenant_id_customer_id')
        batch_op.drop_index('ix_tickets_tenant_id_created_at')
        batch_op.drop_index('ix_tickets_tenant_id_assignee_id_status')
        batch_op.drop_index('ix_tickets_open_response_due', postgresql_where=sa.text("status IN ('new', 'assigned', 'in_progress') AND responded_at IS NULL"), sqlite_where=sa.text("status IN ('new', 'assigned', 'in_progress') AND responded_at IS NULL"))
        batch_op.drop_index('ix_tickets_open_resolve_due', postgresql_where=sa.text("status IN ('new', 'assigned', 'in_progress')"), sqlite_where=sa.text("status IN ('new', 'assigned', 'in_progress')"))

    op.drop_table('tickets')
    op.drop_table('sla_targets')
    op.drop_table('idempotency_keys')
    op.drop_table('ticket_counters')
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.drop_index('ix_categories_tenant_id_parent_id')

    op.drop_table('categories')
