"""`servicehub worker` runs real RQ workers on every queue."""

from click.testing import CliRunner
from redis import Redis
from rq import Queue

from servicehub.cli import main
from servicehub.jobs import QUEUES, heartbeat
from tests.conftest import REDIS_URL


def test_worker_command_processes_every_queue(database, db_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    monkeypatch.setenv("JWT_SECRET_KEY", "worker-test-secret-key-long-enough-for-hs256")
    connection = Redis.from_url(REDIS_URL)
    jobs = []
    for name in QUEUES:
        queue = Queue(name, connection=connection)
        queue.empty()
        connection.delete(f"servicehub:heartbeat:{name}")
        jobs.append(queue.enqueue(heartbeat, name))

    result = CliRunner().invoke(main, ["worker", "--burst"], catch_exceptions=False)

    assert result.exit_code == 0, result.output
    for job, name in zip(jobs, QUEUES):
        job.refresh()
        assert job.get_status() == "finished"
        assert connection.get(f"servicehub:heartbeat:{name}").decode() == job.return_value()

