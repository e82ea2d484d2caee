"""The `servicehub` console command (DESIGN §7)."""

from __future__ import annotations

import sys

import click

from servicehub.config import Settings


def _app():
    from servicehub import create_app

    return create_app()


@click.group()
def main() -> None:
    """ServiceHub: customer service for property-development groups."""


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply migrations (as MIGRATION_DATABASE_URL, falling back to DATABASE_URL)."""
    from servicehub.migrate import upgrade

    settings = Settings.from_env()
    upgrade(settings, revision)
    click.echo(f"database at {revision}")


@main.group()
def seed() -> None:
    """Demo data."""


@seed.command("demo")
@click.option("--customers", default=0, hidden=True, help="Reserved for the customer-file seed.")
def seed_demo(customers: int) -> None:
    """Create the demo group (tenant 'demo') and its users; safe to run again."""
    from servicehub.seed import seed_demo as run

    app = _app()
    with app.app_context():
        result = run()
    click.echo(result.describe())


@main.group("platform-admin")
def platform_admin() -> None:
    """Operators of the SaaS."""


@platform_admin.command("create")
@click.option("--username", required=True)
@click.option("--password", required=True)
@click.option("--name", default=None)
def platform_admin_create(username: str, password: str, name: str | None) -> None:
    from servicehub.extensions import db as database
    from servicehub.tenants.platform import create_platform_admin

    app = _app()
    with app.app_context():
        admin = create_platform_admin(database.session, username=username, password=password, name=name or username)
    click.echo(f"platform admin {admin.username} (id {admin.id}) created")


@main.group()
def tenant() -> None:
    """Groups (tenants)."""


@tenant.command("create")
@click.option("--slug", required=True)
@click.option("--name", required=True)
@click.option("--admin-username", required=True)
@click.option("--admin-password", required=True)
def tenant_create(slug: str, name: str, admin_username: str, admin_password: str) -> None:
    from servicehub.errors import DomainError
    from servicehub.extensions import db as database
    from servicehub.tenants.schemas import TenantCreateSchema
    from servicehub.tenants.service import create_tenant

    from marshmallow import ValidationError

    try:
        data = TenantCreateSchema().load({"slug": slug, "name": name, "admin_username": admin_username,
                                          "admin_password": admin_password})
    except ValidationError as exc:
        raise click.UsageError(str(exc.messages)) from exc
    app = _app()
    with app.app_context():
        try:
            created = create_tenant(database.session, actor=None, **data)
        except DomainError as exc:
            raise click.ClickException(f"{exc.message} {exc.errors or ''}") from exc
    click.echo(f"tenant {created.slug} (id {created.id}) created; sign in as {admin_username}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int)
def serve(host: str, port: int, workers: int) -> None:
    """Serve the API with gunicorn."""
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("accesslog", "-")

        def load(self):
            return _app()

    click.echo(f"ServiceHub API on http://{host}:{port}/api/v1 (docs at /openapi.json)")
    Server().run()


@main.command()
@click.option("--with-scheduler", is_flag=True, help="Also run RQ's scheduler (one worker only).")
@click.option("--burst", is_flag=True, help="Exit when the queues are empty.")
@click.option("--fork", is_flag=True,
              help="Run each job in a forked work horse (RQ's default; isolates jobs, ~250 ms more per job).")
def worker(with_scheduler: bool, burst: bool, fork: bool) -> None:
    """Run an RQ worker over every queue (start several for more throughput)."""
    from servicehub.jobs import run_worker

    run_worker(_app(), with_scheduler=with_scheduler, burst=burst, fork=fork)


@main.command()
@click.option("--output", default=None, help="File to write; default: openapi.yaml at the repository root.")
@click.option("--check", is_flag=True, help="Fail when the file differs from what the code generates.")
def openapi(output: str | None, check: bool) -> None:
    """Export the OpenAPI spec generated from the code."""
    from servicehub.openapi import spec_path, spec_yaml

    path = spec_path(output)
    text = spec_yaml()
    if check:
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != text:
            click.echo(f"{path} is stale: run `servicehub openapi`", err=True)
            sys.exit(1)
        click.echo(f"{path} is up to date")
        return
    path.write_text(text, encoding="utf-8")
    click.echo(f"wrote {path}")


if __name__ == "__main__":  # pragma: no cover
    main()
