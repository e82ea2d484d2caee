"""The OpenAPI document, generated from the code and committed as `openapi.yaml`."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import yaml

from servicehub.config import REPO_ROOT, Settings


def spec_dict() -> dict:
    from servicehub import create_app

    settings = Settings(database_url="sqlite://", jwt_secret_key="spec-export")
    app = create_app(settings)
    return _plain(app.extensions["servicehub.api"].spec.to_dict())


def _plain(value):
    """Decimal bounds (from `fields.Decimal(places=...)`) as plain numbers, for YAML."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def spec_yaml() -> str:
    return yaml.safe_dump(spec_dict(), sort_keys=False, allow_unicode=True, width=100)


def spec_path(output: str | None = None) -> Path:
    return Path(output) if output else REPO_ROOT / "openapi.yaml"
