"""Settings, read from the environment once at start-up (12-factor)."""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SQLITE_PATH = REPO_ROOT / "var" / "servicehub.db"


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


@dataclass
class Settings:
    env: str = "development"
    database_url: str = f"sqlite:///{DEFAULT_SQLITE_PATH}"
    # Migrations run as the schema owner; the app connects as a runtime role that row-level
    # security applies to. Both default to DATABASE_URL.
    migration_database_url: str = ""
    redis_url: str = ""
    jwt_secret_key: str = ""
    access_token_minutes: int = 15
    refresh_token_days: int = 14
    jwt_cookie_secure: bool = False
    login_rate_limit: str = "20 per minute"
    login_max_failures: int = 5
    login_lock_minutes: int = 15
    argon2_time_cost: int = 2
    argon2_memory_cost: int = 19456
    log_level: str = "INFO"
    rate_limit_prefix: str = "servicehub-limits"
    trusted_proxies: int = 0
    storage_url: str = f"file://{REPO_ROOT / 'var' / 'files'}"
    attachment_max_bytes: int = 10 * 1024 * 1024
    email_backend: str = "log"  # "smtp" to send
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    email_from: str = "ServiceHub <noreply@servicehub.local>"
    sms_backend: str = "log"
    # Webhooks to loopback / private addresses (a receiver on the same network); off for a SaaS.
    webhook_allow_private: bool = False
    # Run background jobs in the API process even when Redis is set (tests, single-process demos).
    jobs_inline: bool = False

    @classmethod
    def from_env(cls) -> "Settings":
        env = os.environ.get("SERVICEHUB_ENV", "development")
        database_url = os.environ.get("DATABASE_URL") or cls.database_url
        secret = os.environ.get("JWT_SECRET_KEY", "")
        if not secret:
            if env == "production":
                raise RuntimeError("JWT_SECRET_KEY must be set when SERVICEHUB_ENV=production")
            secret = _dev_secret()
        return cls(
            env=env,
            database_url=database_url,
            migration_database_url=os.environ.get("MIGRATION_DATABASE_URL") or database_url,
            redis_url=os.environ.get("REDIS_URL", ""),
            jwt_secret_key=secret,
            access_token_minutes=_int("ACCESS_TOKEN_MINUTES", cls.access_token_minutes),
            refresh_token_days=_int("REFRESH_TOKEN_DAYS", cls.refresh_token_days),
            jwt_cookie_secure=_bool("JWT_COOKIE_SECURE", env == "production"),
            login_rate_limit=os.environ.get("LOGIN_RATE_LIMIT", cls.login_rate_limit),
            login_max_failures=_int("LOGIN_MAX_FAILURES", cls.login_max_failures),
            login_lock_minutes=_int("LOGIN_LOCK_MINUTES", cls.login_lock_minutes),
            argon2_time_cost=_int("ARGON2_TIME_COST", cls.argon2_time_cost),
            argon2_memory_cost=_int("ARGON2_MEMORY_COST", cls.argon2_memory_cost),
            log_level=os.environ.get("LOG_LEVEL", "INFO"),
            trusted_proxies=_int("TRUSTED_PROXIES", cls.trusted_proxies),
            storage_url=os.environ.get("STORAGE_URL") or cls.storage_url,
            attachment_max_bytes=_int("ATTACHMENT_MAX_BYTES", cls.attachment_max_bytes),
            email_backend=os.environ.get("EMAIL_BACKEND") or cls.email_backend,
            smtp_host=os.environ.get("SMTP_HOST") or cls.smtp_host,
            smtp_port=_int("SMTP_PORT", cls.smtp_port),
            smtp_username=os.environ.get("SMTP_USERNAME", ""),
            smtp_password=os.environ.get("SMTP_PASSWORD", ""),
            smtp_starttls=_bool("SMTP_STARTTLS", cls.smtp_starttls),
            smtp_ssl=_bool("SMTP_SSL", cls.smtp_ssl),
            email_from=os.environ.get("EMAIL_FROM") or cls.email_from,
            sms_backend=os.environ.get("SMS_BACKEND") or cls.sms_backend,
            jobs_inline=_bool("JOBS_INLINE", cls.jobs_inline),
            webhook_allow_private=_bool("WEBHOOK_ALLOW_PRIVATE", cls.webhook_allow_private),
        )

    def flask_config(self) -> dict:
        return {
            "SERVICEHUB": self,
            "API_TITLE": "ServiceHub API",
            "API_VERSION": "v1",
            "OPENAPI_VERSION": "3.0.3",
            "JSON_SORT_KEYS": False,
            "JWT_SECRET_KEY": self.jwt_secret_key,
            "JWT_TOKEN_LOCATION": ["headers", "cookies"],
            "JWT_ACCESS_TOKEN_EXPIRES": timedelta(minutes=self.access_token_minutes),
            "JWT_REFRESH_TOKEN_EXPIRES": timedelta(days=self.refresh_token_days),
            "JWT_COOKIE_SECURE": self.jwt_cookie_secure,
            "JWT_COOKIE_SAMESITE": "Lax",
            "JWT_COOKIE_CSRF_PROTECT": True,
            "JWT_CSRF_IN_COOKIES": True,
            "JWT_ACCESS_COOKIE_PATH": "/api/",
            "JWT_REFRESH_COOKIE_PATH": "/api/v1/auth/",
            "JWT_ERROR_MESSAGE_KEY": "message",
            # The largest body accepted at all (a customer import of 20 MB, an attachment); each
            # endpoint checks its own limit with a clearer message.
            "MAX_CONTENT_LENGTH": max(21 * 1024 * 1024, self.attachment_max_bytes + 1024 * 1024),
        }

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith("postgresql")


def _dev_secret() -> str:
    """A per-checkout secret for local runs, so that tokens survive restarts of `make run`.

    Created exclusively: several server processes starting at once agree on one secret."""
    path = REPO_ROOT / "var" / "jwt-secret"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "x", encoding="utf-8") as handle:
            handle.write(secrets.token_urlsafe(48))
    except FileExistsError:
        pass
    for _ in range(50):
        value = path.read_text(encoding="utf-8").strip()
        if value:
            return value
        time.sleep(0.01)  # another process is writing it
    raise RuntimeError(f"{path} is empty: delete it or set JWT_SECRET_KEY")
