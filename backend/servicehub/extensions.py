"""The framework, customised once: database session, Api/Blueprint/Schema, JWT, limiter, Redis."""

from __future__ import annotations

import json
import time
from datetime import timezone
from functools import wraps
from types import SimpleNamespace
from http import HTTPStatus

import marshmallow as ma
from flask import Flask, current_app, g, has_app_context
from flask_jwt_extended import JWTManager
from flask_smorest import Api as _Api
from flask_smorest import Blueprint as _Blueprint
from flask_smorest.error_handler import ErrorSchema
from flask_smorest.fields import Upload
from flask_smorest.pagination import PaginationMetadataSchema
from marshmallow import ValidationError, fields, validate
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage
from werkzeug.routing import IntegerConverter

from servicehub.db import make_engine, make_sessionmaker

MAX_ID = 2**31 - 1  # ids are 32-bit integers on every backend


class Database:
    """One engine per app (kept in `app.extensions`), one session per request (application context)."""

    KEY = "servicehub.db"

    def init_app(self, app: Flask, url: str) -> None:
        engine = make_engine(url)
        app.extensions[self.KEY] = SimpleNamespace(engine=engine, sessionmaker=make_sessionmaker(engine))
        app.teardown_appcontext(self._teardown)

    @property
    def session(self) -> Session:
        session = g.get("_db_session")
        if session is None:
            session = g._db_session = current_app.extensions[self.KEY].sessionmaker()
        return session

    def rollback_if_open(self) -> None:
        if has_app_context() and g.get("_db_session") is not None:
            g._db_session.rollback()

    @staticmethod
    def _teardown(_exc) -> None:
        session = g.pop("_db_session", None)
        if session is not None:
            session.close()


db = Database()
jwt = JWTManager()


class RateLimiter:
    """Fixed-window limits (the `limits` library) in a store shared by every API process:
    Redis when REDIS_URL is set, process memory for the quick local run."""

    KEY = "servicehub.limiter"

    def init_app(self, app: Flask, storage_uri: str, prefix: str) -> None:
        from limits.storage import storage_from_string
        from limits.strategies import FixedWindowRateLimiter

        storage = storage_from_string(storage_uri, key_prefix=prefix) if storage_uri.startswith("redis") \
            else storage_from_string(storage_uri)
        app.extensions[self.KEY] = FixedWindowRateLimiter(storage)

    def hit(self, limit: str, *identifiers: str) -> tuple[bool, int]:
        """Count one hit; returns (allowed, seconds until the window resets)."""
        from limits import parse

        strategy = current_app.extensions[self.KEY]
        item = parse(limit)
        try:
            allowed = strategy.hit(item, *identifiers)
            reset = strategy.get_window_stats(item, *identifiers).reset_time
        except Exception:  # noqa: BLE001 - a broken store must not block sign-in (lock-out still holds)
            current_app.logger.warning("rate-limit store unavailable; not limiting", exc_info=True)
            return True, 0
        return allowed, max(1, int(reset - time.time()))


limiter = RateLimiter()


# --- schemas -----------------------------------------------------------------------------------


class Schema(ma.Schema):
    """Base schema: unknown fields are rejected (marshmallow's RAISE) and output is ordered."""

    class Meta:
        unknown = ma.RAISE
        ordered = True


class Text(fields.String):
    """A string that the database can always store: no NUL, valid Unicode, bounded length."""

    def __init__(self, *, max_length: int | None = None, min_length: int | None = None, **kwargs):
        validators = kwargs.pop("validate", None)
        validators = list(validators) if isinstance(validators, (list, tuple)) else ([validators] if validators else [])
        if max_length is not None or min_length is not None:
            validators.append(validate.Length(min=min_length, max=max_length))
        super().__init__(validate=validators, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in value:
            raise ValidationError("Must not contain NUL characters.")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValidationError("Must be valid Unicode text.") from exc
        return value


class Email(Text, fields.Email):
    """An e-mail address, with `Text`'s guarantees (marshmallow's own Email lets a lone surrogate
    through to the database driver)."""


class Pattern(validate.Regexp):
    """`validate.Regexp` where the whole value must match, as the `pattern` in the spec means.

    Python's `$` also matches before a trailing newline, so `^[a-z]+$` alone lets "abc\\n" through."""

    def __call__(self, value):
        if self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value


class Timestamp(fields.AwareDateTime):
    """A date-time with an explicit offset, converted to UTC (the database stores UTC; SQLite
    naively). A moment outside the years 1..9999 once in UTC is refused, not an overflow."""

    def __init__(self, **kwargs):
        super().__init__(default_timezone=None, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            return moment.astimezone(timezone.utc)
        except OverflowError as exc:
            raise ValidationError("Must lie between the years 1 and 9999 in UTC.") from exc


class Flag(fields.Boolean):
    """A JSON boolean: `true` or `false`, nothing else."""

    def __init__(self, **kwargs):
        super().__init__(truthy={True}, falsy={False}, **kwargs)


class Id(fields.Integer):
    """A row id: a strict positive 32-bit integer."""

    def __init__(self, **kwargs):
        super().__init__(strict=True, validate=validate.Range(min=1, max=MAX_ID), **kwargs)


class QueryId(fields.Integer):
    """A row id in a query string: the text of a positive 32-bit integer (`?org_unit_id=5`).

    `Id` is strict (a JSON body must carry a number, not "5"), but every query-string value is
    text, so a strict field would refuse every id given there."""

    def __init__(self, **kwargs):
        super().__init__(strict=False, validate=validate.Range(min=1, max=MAX_ID), **kwargs)


class FileUpload(Upload):
    """An uploaded file of a multipart body, and nothing else (a text field of the same name is refused)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, FileStorage):
            raise ValidationError("Send the file as a file part of the multipart body.")
        return value


def _up_to_regex(maximum: int) -> str:
    """A regex matching exactly the decimal numbers 1..maximum, without leading zeros."""
    digits = str(maximum)
    shorter = [f"[1-9][0-9]{{0,{len(digits) - 2}}}"] if len(digits) > 1 else []
    same_length = []
    for i, digit in enumerate(digits):
        low = 1 if i == 0 else 0
        high = int(digit) - 1
        if high >= low:
            rest = len(digits) - i - 1
            choice = str(low) if high == low else f"[{low}-{high}]"
            same_length.append(digits[:i] + choice + (f"[0-9]{{{rest}}}" if rest else ""))
    same_length.append(digits)
    return "(?:" + "|".join(shorter + same_length) + ")"


class IdConverter(IntegerConverter):
    """`<id:...>` in routes: anything but an id in 1..MAX_ID simply does not match (404).

    The range is in the regex, not only in `to_python`: Werkzeug answers a converter's
    ValidationError with 405 when another method of the same path was seen first."""

    regex = _up_to_regex(MAX_ID)

    def __init__(self, map, **kwargs):
        super().__init__(map, min=1, max=MAX_ID, **kwargs)


# --- api and blueprint -------------------------------------------------------------------------


class PageMetadataSchema(PaginationMetadataSchema):
    next_cursor = fields.String(metadata={"description": "Lists with keyset pagination: pass it as `after` "
                                                         "for the next page (absent on the last page)."})
    total_is_lower_bound = fields.Boolean(metadata={
        "description": "Lists that count up to a cap: true when more than `total` match (no total_pages "
                       "or last_page then)."})


class Api(_Api):
    # No catch-all `default` response: every error an operation can answer is declared.
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_pagination_header(self):
        """`X-Pagination` carries JSON: described with `content`, as OpenAPI 3 asks for a
        header that is not in the `simple` style (flask-smorest's default uses `schema`)."""
        self.spec.components.header("PAGINATION", {
            "description": "Pagination metadata (JSON).",
            "content": {"application/json": {"schema": PageMetadataSchema}},
        }, lazy=True)

    def handle_http_exception(self, error):
        """flask-smorest's error shape, always with a human-readable message."""
        payload, code, headers = super().handle_http_exception(error)
        if "message" not in payload:
            payload["message"] = _MESSAGES.get(code) or error.description or error.name
        db.rollback_if_open()
        return payload, code, headers

    def init_app(self, app, *args, **kwargs):
        app.url_map.converters["id"] = IdConverter
        super().init_app(app, *args, **kwargs)
        self.register_converter(
            IdConverter, lambda _c: {"type": "integer", "minimum": 1, "maximum": MAX_ID}
        )
        self.spec.components.security_scheme(
            "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
        )
        self.spec.components.security_scheme(
            "cookieAuth", {"type": "apiKey", "in": "cookie", "name": "access_token_cookie"}
        )


_MESSAGES = {
    400: "The request could not be read: check that the body is valid JSON.",
    404: "Not found.",
    405: "This method is not allowed here.",
    413: "The upload is too large.",
    422: "Some fields are not valid: see `errors`.",
    429: "Too many requests: slow down and try again shortly.",
    500: "Something went wrong on our side; it has been logged.",
}

SECURITY = [{"bearerAuth": []}, {"cookieAuth": []}]


class Blueprint(_Blueprint):
    DEFAULT_PAGINATION_PARAMETERS = {"page": 1, "page_size": 20, "max_page_size": 100}

    BODY_LOCATIONS = ("json", "form", "json_or_form", "files")

    def arguments(self, schema, *, location="json", **kwargs):
        """flask-smorest's `arguments`; a body that cannot be parsed answers 400 (declared here)."""
        decorator = super().arguments(schema, location=location, **kwargs)
        if location not in self.BODY_LOCATIONS:
            return decorator
        return lambda func: self.errors(400)(decorator(func))

    def errors(self, *codes: int):
        """Declare the error responses an operation can answer (all in the one error shape)."""

        def decorator(func):
            for code in codes:
                func = self.alt_response(
                    code, schema=ErrorSchema, description=HTTPStatus(code).phrase
                )(func)
            return func

        return decorator

    def _set_pagination_metadata(self, page_params, result, headers):
        """flask-smorest's `X-Pagination`, plus, where a list offers them, `next_cursor` (keyset
        pagination: no page numbers then) and a capped total (`total_is_lower_bound`: more than
        `total` match, so there is no last page to name)."""
        keyset = getattr(page_params, "keyset", False)
        lower_bound = getattr(page_params, "total_is_lower_bound", False)
        if not keyset and not lower_bound:
            result, headers = super()._set_pagination_metadata(page_params, result, headers)
            metadata = json.loads(headers[self.PAGINATION_HEADER_NAME])
        else:
            headers = headers or {}
            metadata = {"total": page_params.item_count}
            if lower_bound:
                metadata["total_is_lower_bound"] = True
            if not keyset:
                metadata["page"] = page_params.page
                if page_params.page > 1:
                    metadata["previous_page"] = page_params.page - 1
                if getattr(page_params, "has_next", False):
                    metadata["next_page"] = page_params.page + 1
        cursor = getattr(page_params, "next_cursor", None)
        if cursor:
            metadata["next_cursor"] = cursor
        headers[self.PAGINATION_HEADER_NAME] = json.dumps(metadata)
        return result, headers

    def auth(self, permission=None, *, platform: bool = False):
        """Require a signed-in caller (and a permission somewhere in their scope).

        The caller is resolved once (`access.Actor`) and kept for the request; services receive it.
        Placed right under `@blp.route`, so that authentication comes before body validation.
        """
        from servicehub.auth.service import authenticate

        def decorator(func):
            @wraps(func)
            def wrapper(*args, **kwargs):
                authenticate(permission=permission, platform=platform)
                return func(*args, **kwargs)

            wrapper = self.doc(security=SECURITY)(wrapper)
            return self.errors(401, 403)(wrapper)

        return decorator


def current_actor():
    return g.actor


# --- pagination --------------------------------------------------------------------------------

MAX_OFFSET = 10_000_000


def paginate_query(session: Session, stmt, pagination_parameters):
    """Run a page of `stmt` and set the total on flask-smorest's pagination parameters.

    Two statements whatever the page size: one count, one page.
    """
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    pagination_parameters.item_count = total
    offset = (pagination_parameters.page - 1) * pagination_parameters.page_size
    if offset >= min(total or 0, MAX_OFFSET):
        return []
    return list(session.scalars(stmt.offset(offset).limit(pagination_parameters.page_size)))


# --- optimistic concurrency --------------------------------------------------------------------------


def if_match_doc(thing: str) -> dict:
    """The OpenAPI description of the optional If-Match header of a versioned `thing`'s writes."""
    return {"name": "If-Match", "in": "header", "required": False, "schema": {"type": "string"},
            "description": f"The ETag of the {thing} as you loaded it: a stale write answers 412."}


def etag_doc(thing: str) -> dict:
    """The OpenAPI description of the ETag header answered with a versioned `thing`."""
    return {"ETag": {"description": f"The {thing}'s version, for If-Match.", "schema": {"type": "string"}}}


def etag(obj) -> dict:
    """The ETag header of a versioned object: its version."""
    return {"ETag": f'"{obj.version}"'}


def if_match_version() -> int | None:
    """The version named by the request's If-Match (`"3"`), or None without one (or with `*`)."""
    from flask import request

    from servicehub.errors import PreconditionFailed

    if not request.headers.get("If-Match"):
        return None
    tags = request.if_match
    if tags.star_tag:
        return None
    values = list(tags.as_set(include_weak=True))
    # An empty tag (`""`) parses as None; `isdigit` alone lets "²" through to `int`.
    if len(values) != 1 or not values[0] or not (values[0].isascii() and values[0].isdigit()) or len(values[0]) > 9:
        raise PreconditionFailed("If-Match must carry the ETag this object was sent with (its version).")
    return int(values[0])


def redis_client():
    """The Redis connection of this app, or None when REDIS_URL is not set."""
    from flask import current_app

    return current_app.extensions.get("servicehub.redis")
