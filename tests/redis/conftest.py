import subprocess
import sys
from pathlib import Path

import pytest

from tests.redis.support import REPO, clear_rq, connection, kill_tree


@pytest.fixture
def rq_redis():
    """The test Redis, with every queue of the app (and its registries) empty before and after the test."""
    redis = connection()
    clear_rq(redis)
    yield redis
    clear_rq(redis)
    redis.close()


@pytest.fixture
def worker_processes(tmp_path):
    """Start `servicehub worker` processes (each in a session of its own, output in a log file);
    whatever is left of them (work horses and cron processes included) is killed at the end."""
    started: list[tuple[subprocess.Popen, Path]] = []
    extra: list[int] = []

    def start(env: dict, *options: str) -> subprocess.Popen:
        log = tmp_path / f"worker-{len(started)}.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen([str(Path(sys.executable).parent / "servicehub"), "worker", *options], env=env,
                                    cwd=REPO, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        started.append((proc, log))
        return proc

    start.pids = extra  # processes that outlive their worker (a horse whose parent was killed)
    start.logs = lambda: "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')}" for _, log in started)
    try:
        yield start
    finally:
        for pid in extra:
            kill_tree(pid)
        for proc, _log in started:
            if proc.poll() is None:
                kill_tree(proc.pid)
            proc.wait(10)
