"""Gunicorn configuration for the ServiceHub API (servicehub.wsgi:app).

Used by systemd (servicehub-api.service), the Docker image and Kubernetes:

    gunicorn --config deploy/gunicorn.conf.py servicehub.wsgi:app

Every knob can be overridden from the environment so the same file works on a
VM behind a local nginx and in a container behind an ingress.
"""

import os


def _cpu_count() -> int:
    # sched_getaffinity honours CPU pinning (taskset, cpusets); it does NOT see
    # container CPU quotas, so set WEB_CONCURRENCY explicitly in Docker/K8s.
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # non-Linux
        return os.cpu_count() or 1


# --- Socket -----------------------------------------------------------------
# HOST defaults to all interfaces (containers); the systemd unit sets
# HOST=127.0.0.1 so only the local nginx can reach gunicorn.
bind = f"{os.getenv('HOST', '0.0.0.0')}:{os.getenv('PORT', '8000')}"
backlog = 2048

# --- Workers ----------------------------------------------------------------
# gthread: N processes x M threads. Requests are mostly I/O bound (PostgreSQL,
# Redis), so threads give cheap concurrency without gevent monkey-patching.
worker_class = "gthread"
workers = int(os.getenv("WEB_CONCURRENCY", 2 * _cpu_count() + 1))
threads = int(os.getenv("GUNICORN_THREADS", "4"))

# Recycle workers now and then to contain slow memory growth; the jitter stops
# all workers from restarting at the same moment.
max_requests = int(os.getenv("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200

# Do not preload: each worker imports the app itself, so `kill -HUP <master>`
# (systemctl reload) picks up newly installed code with zero downtime, and
# no DB/Redis connection pool is accidentally shared across fork().
preload_app = False

# Heartbeat files on tmpfs: avoids stalls on slow/overlay disks in containers.
worker_tmp_dir = "/dev/shm"

# --- Timeouts ---------------------------------------------------------------
# Silent-worker kill timeout (with gthread this catches a wedged process, not
# a single slow request). Keep nginx proxy_read_timeout above it.
timeout = int(os.getenv("GUNICORN_TIMEOUT", "30"))
# Time given to in-flight requests on SIGTERM/HUP before workers are killed.
graceful_timeout = int(os.getenv("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# Longer than nginx's upstream keepalive_timeout (60s) so nginx, not gunicorn,
# closes idle upstream connections (avoids races on connection reuse).
keepalive = 75

# --- Reverse proxy ----------------------------------------------------------
# Trust X-Forwarded-Proto (https => secure cookies / correct redirects) only
# from these addresses. Local nginx: 127.0.0.1. In Docker/K8s, where the API
# is reachable only from the proxy, set FORWARDED_ALLOW_IPS="*".
forwarded_allow_ips = os.getenv("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# --- Logging (stdout/stderr -> journald / container runtime) ---------------
accesslog = "-"
errorlog = "-"
loglevel = os.getenv("GUNICORN_LOG_LEVEL", "info")
# Client IP from nginx, request line, status, size, duration in microseconds.
access_log_format = (
    '%({x-forwarded-for}i)s %(h)s "%(r)s" %(s)s %(B)s %(D)sus '
    '"%(f)s" "%(a)s"'
)

proc_name = "servicehub-api"

# gunicorn >= 25.1 opens a control socket for `gunicornc` under $HOME or
# $XDG_RUNTIME_DIR. Not used here, and $HOME is read-only for the service user
# (systemd, containers). Older gunicorn versions ignore this unknown setting.
control_socket_disable = True
