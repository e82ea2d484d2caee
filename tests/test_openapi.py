"""The committed `openapi.yaml`: current, valid, and honest about the errors each operation answers."""

from __future__ import annotations

import pytest
import yaml
from openapi_spec_validator import validate

from servicehub.openapi import spec_path, spec_yaml

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


@pytest.fixture(scope="module")
def committed_text() -> str:
    return spec_path().read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def spec(committed_text) -> dict:
    return yaml.safe_load(committed_text)


def _operations(spec: dict):
    for path, item in spec["paths"].items():
        shared = item.get("parameters", [])
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield f"{method.upper()} {path}", operation, shared + operation.get("parameters", [])


def _resolve(spec: dict, obj: dict) -> dict:
    while "$ref" in obj:
        node = spec
        for part in obj["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        obj = node
    return obj


def test_committed_spec_is_current(committed_text):
    generated = spec_yaml()
    assert committed_text == generated, (
        "openapi.yaml is stale: the API code changed without regenerating the spec. "
        "Run `servicehub openapi` (from the repo root: `.venv/bin/servicehub openapi`) and commit openapi.yaml."
    )


def test_spec_is_valid_openapi(spec):
    validate(spec)


def test_spec_has_operations(spec):
    assert len(list(_operations(spec))) >= 10


def test_no_catch_all_default_response(spec):
    offenders = [name for name, operation, _ in _operations(spec) if "default" in operation["responses"]]
    assert not offenders, f"operations with a catch-all `default` response (declare the real codes): {offenders}"


def test_error_responses_are_declared(spec):
    missing: list[str] = []
    for name, operation, parameters in _operations(spec):
        parameters = [_resolve(spec, p) for p in parameters]
        declared = set(operation["responses"])
        needed = set()
        if any(p["in"] == "path" for p in parameters):
            needed.add("404")
        if operation.get("security", spec.get("security")):
            needed |= {"401", "403"}
        if "requestBody" in operation or any(p["in"] == "query" for p in parameters):
            needed.add("422")
        if "requestBody" in operation:
            needed.add("400")  # a body that is not valid JSON
        missing += [f"{name}: {code}" for code in sorted(needed - declared)]
    assert not missing, f"undeclared error responses: {missing}"
