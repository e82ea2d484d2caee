"""A large customer import goes to the queue (202) and a real RQ worker finishes it."""

from __future__ import annotations

import io
import json

from redis import Redis
from rq import Queue, SimpleWorker

from tests.conftest import REDIS_URL
from tests.customers import sheets
from tests.scope_tools import api


def test_a_large_import_is_queued_and_a_worker_finishes_it(app_factory, world):
    app = app_factory(jobs_inline=False)
    client = app.test_client()
    connection = Redis.from_url(REDIS_URL)
    queue = Queue("default", connection=connection)
    queue.empty()
    failed_before = queue.failed_job_registry.count
    sheet = sheets.build(2_000)
    content = sheet.csv()
    assert len(content) > 64 * 1024

    response = client.post(api("/customers/import"), content_type="multipart/form-data", headers=world.headers("pa1"),
                           data={"org_unit_id": str(world.unit("P-EAST-1")), "skip_invalid": "true",
                                 "file": (io.BytesIO(content), "客户名单.csv")})
    assert response.status_code == 202, response.get_json()
    queued = response.get_json()
    assert (queued["status"], queued["progress"], queued["imported_rows"], queued["started_at"]) == ("queued", 0.0, 0, None)
    assert queue.count == 1
    url = api(f"/customers/imports/{queued['id']}")
    assert client.get(url, headers=world.headers("pa1")).get_json()["status"] == "queued"
    # Nothing is imported before a worker runs the job.
    assert client.get(api("/customers"), headers=world.headers("pa1")).get_json() == []

    with app.app_context():  # the job builds no app of its own: it runs on the test's
        worker = SimpleWorker([queue], connection=connection)
        assert worker.work(burst=True) is True

    assert queue.count == 0 and queue.failed_job_registry.count == failed_before
    job = client.get(url, headers=world.headers("pa1")).get_json()
    assert (job["status"], job["progress"], job["processed_rows"], job["total_rows"]) == ("succeeded", 1.0, 2_000, 2_000)
    assert (job["imported_rows"], job["error_count"]) == (1_995, 5)
    assert {e["row"] for e in job["errors"]} == set(sheet.bad)
    listed = client.get(api("/customers"), query_string={"page_size": 1}, headers=world.headers("pa1"))
    assert listed.status_code == 200
    assert json.loads(listed.headers["X-Pagination"])["total"] == sheet.customers
