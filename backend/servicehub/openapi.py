"""The OpenAPI document, generated from the code and committed as `openapi.yaml`."""

from __future__ import annotations

from pathlib import Path

import yaml

from servicehub.config import REPO_ROOT, Settings


def spec_dict() -> dict:
    from servicehub import create_app

    settings = Settings(database_url="sqlite://", jwt_secret_key="spec-export")
    app = create_app(settings)
    return app.extensions["servicehub.api"].spec.to_dict()


def spec_yaml() -> str:
    return yaml.safe_dump(spec_dict(), sort_keys=False, allow_unicode=True, width=100)


def spec_path(output: str | None = None) -> Path:
    return Path(output) if output else REPO_ROOT / "openapi.yaml"
