"""The SLA sweep reads its due tickets off the partial indexes of the open tickets by due time (the
model's partial indexes on (tenant_id, response_due_at), (tenant_id, resolve_due_at) and, for the
dispatch clock of repairs, (tenant_id, dispatch_due_at)), as the
runtime role with the tenant bound, row-level security included (PostgreSQL only).

The statements explained are the ones the sweep really sends (captured off the engine), not a
copy of them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event, text

from servicehub.db import utcnow
from servicehub.tickets.models import Ticket
from tests.background import log, tenant_session

# Rows the partial indexes leave out (closed, or marked already), so that the table is not tiny
# and the few due tickets are a small part of it, as in production.
HISTORY = 3000


def _partial_index(column: str) -> str:
    """The name of the model's partial index on (tenant_id, `column`): the one the sweep reads."""
    (index,) = [i for i in Ticket.__table__.indexes if [c.name for c in i.columns] == ["tenant_id", column]
                and i.dialect_options["postgresql"]["where"] is not None]
    return index.name


def _history(owner, world) -> None:
    """Closed tickets of both groups, cloned from a logged one (as the owner: RLS does not apply)."""
    with owner.begin() as conn:
        for tenant in ("alpha", "beta"):
            conn.execute(text("""
                INSERT INTO tickets (tenant_id, org_unit_id, number, type, channel, category_id, priority, status,
                    customer_id, property_id, title, description, is_major, households_affected, sensitive,
                    first_responder_id, assignee_id, function, escalation_level, contacted_at, logged_late,
                    response_due_at, resolve_due_at, responded_at, resolved_at, closed_at, cancelled_at,
                    sla_breached, response_breached_at, resolve_breached_at, satisfaction, reopen_count, version,
                    created_at, updated_at, dispatch_due_at)
                SELECT t.tenant_id, t.org_unit_id, t.number || '-H' || g, t.type, t.channel, t.category_id, t.priority,
                    'closed', t.customer_id, t.property_id, t.title, t.description, t.is_major, t.households_affected,
                    t.sensitive, t.first_responder_id, t.assignee_id, t.function, t.escalation_level, t.contacted_at,
                    t.logged_late, t.response_due_at - g * interval '1 hour', t.resolve_due_at - g * interval '1 hour',
                    t.created_at, t.created_at, t.created_at, NULL, false, NULL, NULL, NULL, 0, 1,
                    t.created_at - g * interval '1 hour', t.updated_at, t.dispatch_due_at - g * interval '1 hour'
                FROM tickets t, generate_series(1, :n) g
                WHERE t.id = (SELECT min(id) FROM tickets WHERE tenant_id = :tenant)
            """), {"n": HISTORY, "tenant": world.tenants[tenant]})
        conn.execute(text("ANALYZE tickets"))


def test_the_sweep_selects_due_tickets_off_its_partial_indexes(client, world, app, database):
    for _ in range(3):
        log(client, world, type="repair")
    log(client, world, who="pa_b", unit="B-PROJECT", tenant="beta", type="repair")
    _history(database["owner"], world)

    engine = app.extensions["servicehub.db"].engine
    captured: list[tuple[str, dict]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _executemany):
        if statement.lstrip().startswith("SELECT tickets.id") and "FOR UPDATE SKIP LOCKED" in statement:
            captured.append((statement, parameters))

    from servicehub.sla.sweep import sweep

    event.listen(engine, "before_cursor_execute", capture)
    try:
        with tenant_session(world) as session:
            done = sweep(session, world.tenants["alpha"], now=utcnow() + timedelta(days=365))
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert done == {"response": 3, "resolution": 3, "dispatch": 3}
    # One batch per kind (a batch shorter than `batch` is the last).
    response = [s for s in captured if "response_due_at <" in s[0]]
    resolution = [s for s in captured if "resolve_due_at <" in s[0]]
    dispatch = [s for s in captured if "dispatch_due_at <" in s[0]]
    assert len(response) == 1 and len(resolution) == 1 and len(dispatch) == 1, [s for s, _ in captured]

    with engine.connect() as conn:
        for statements, index in ((response, _partial_index("response_due_at")),
                                  (resolution, _partial_index("resolve_due_at")),
                                  (dispatch, _partial_index("dispatch_due_at"))):
            for statement, parameters in statements:
                with conn.begin():
                    assert conn.execute(text("SELECT current_user")).scalar() == "servicehub_app"
                    conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"),
                                 {"t": str(world.tenants["alpha"])})
                    plan = "\n".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {statement}", parameters))
                assert f"Index Scan using {index} on tickets" in plan, plan
                assert "Seq Scan" not in plan, plan
