"""Ticket numbers and idempotent creation under concurrency (PostgreSQL only): many requests in the
same group at once, through several apps standing for several API processes, started together."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from servicehub.db import bind_tenant
from servicehub.extensions import db
from servicehub.idempotency import IdempotencyKey
from servicehub.tickets.models import Ticket, TicketEvent
from tests.scope_tools import api, pagination

TICKETS = api("/tickets")
PROCESSES = 4
THREADS = 16
CREATES = 10
CALLERS = ("pa1", "pm1", "rm_east", "hq_crm")


def body(world, title: str) -> dict:
    return {"type": "repair", "channel": "phone", "org_unit_id": world.unit("P-EAST-1"), "title": title,
            "description": "厨房水管爆裂"}


def run_together(apps, jobs):
    """Run `jobs` (callables taking a test client) in threads, each with its own client of one of
    `apps`, released together by a barrier; returns their results in order."""
    barrier = threading.Barrier(len(jobs))

    def run(index):
        client = apps[index % len(apps)].test_client()
        barrier.wait(timeout=30)
        return jobs[index](client)

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(run, range(len(jobs))))


def counts(app, world) -> tuple[int, int, int]:
    with app.app_context():
        session = db.session
        bind_tenant(session, world.tenants["alpha"])
        return tuple(session.scalar(select(func.count()).select_from(model))
                     for model in (Ticket, TicketEvent, IdempotencyKey))


def test_concurrent_creations_get_unique_contiguous_numbers(app, app_factory, world):
    apps = [app] + [app_factory() for _ in range(PROCESSES - 1)]
    headers = {name: world.headers(name) for name in CALLERS}

    def job(thread):
        who = CALLERS[thread % len(CALLERS)]

        def creates(client):
            answers = []
            for i in range(CREATES):
                response = client.post(TICKETS, json=body(world, f"爆管 {thread}-{i}"), headers=headers[who])
                answers.append((response.status_code, response.get_json()))
            return answers

        return creates

    results = run_together(apps, [job(t) for t in range(THREADS)])
    answers = [answer for thread in results for answer in thread]
    assert [status for status, _ in answers] == [201] * (THREADS * CREATES), [a for a in answers if a[0] != 201][:3]
    numbers = [ticket["number"] for _, ticket in answers]
    assert len(set(numbers)) == THREADS * CREATES
    prefixes = {n.rsplit("-", 1)[0] for n in numbers}
    assert len(prefixes) == 1 and prefixes.pop().startswith("ALPHA-")
    assert sorted(int(n.rsplit("-", 1)[1]) for n in numbers) == list(range(1, THREADS * CREATES + 1))
    # Each thread saw its own numbers rise.
    for thread in results:
        own = [int(ticket["number"].rsplit("-", 1)[1]) for _, ticket in thread]
        assert own == sorted(own)
    listed = app.test_client().get(TICKETS, headers=headers["hq_crm"])
    assert pagination(listed)["total"] == THREADS * CREATES
    assert counts(app, world) == (THREADS * CREATES, THREADS * CREATES, 0)


def test_concurrent_double_submits_create_one_ticket(app, app_factory, world):
    apps = [app] + [app_factory() for _ in range(PROCESSES - 1)]
    headers = {**world.headers("pa1"), "Idempotency-Key": "submit-once-4f1c"}
    others = {**world.headers("pm1"), "Idempotency-Key": "submit-once-4f1c"}

    def submit(who_headers):
        def job(client):
            response = client.post(TICKETS, json=body(world, "爆管"), headers=who_headers)
            return response.status_code, response.get_json(), response.headers.get("Idempotent-Replayed")

        return job

    # Twelve double-clicks by pa1 and four by pm1 (their own key space), all at once.
    results = run_together(apps, [submit(headers)] * 12 + [submit(others)] * 4)
    assert [status for status, _, _ in results] == [201] * 16, [r for r in results if r[0] != 201][:3]
    mine, theirs = results[:12], results[12:]
    for group in (mine, theirs):
        assert len({ticket["id"] for _, ticket, _ in group}) == 1
        assert [replayed for _, _, replayed in group].count(None) == 1  # one created, the rest replayed
        assert {replayed for _, _, replayed in group} == {None, "true"}
    assert mine[0][1]["id"] != theirs[0][1]["id"]
    assert mine[0][1]["first_responder_id"] == world.user("pa1")
    assert theirs[0][1]["first_responder_id"] == world.user("pm1")
    # Two tickets, two events, two keys; the losers' numbers were rolled back, so none is skipped.
    assert counts(app, world) == (2, 2, 2)
    assert sorted(ticket["number"][-6:] for ticket in (mine[0][1], theirs[0][1])) == ["000001", "000002"]
    following = app.test_client().post(TICKETS, json=body(world, "下一张"), headers=world.headers("pa1"))
    assert following.status_code == 201 and following.get_json()["number"].endswith("-000003")
