"""Domain errors, mapped to the API's error shape in one place (`register_error_handlers`)."""

from __future__ import annotations

from flask import Flask, current_app
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError


class DomainError(Exception):
    status = 400
    default_message = "Bad request."

    def __init__(self, message: str | None = None, *, errors: dict | None = None, headers: dict | None = None):
        super().__init__(message or self.default_message)
        self.message = message or self.default_message
        self.errors = errors
        self.headers = headers or {}


class Unauthorized(DomainError):
    status = 401
    default_message = "Authentication required."


class Forbidden(DomainError):
    status = 403
    default_message = "You do not have permission to do this."


class NotFound(DomainError):
    status = 404
    default_message = "Not found."


class Conflict(DomainError):
    status = 409
    default_message = "This conflicts with the current state."


class PreconditionFailed(DomainError):
    status = 412
    default_message = "This was changed by someone else since you loaded it: reload and try again."


class PayloadTooLarge(DomainError):
    status = 413
    default_message = "The upload is too large."


class UnsupportedMediaType(DomainError):
    status = 415
    default_message = "This type of file is not accepted."


class Invalid(DomainError):
    status = 422
    default_message = "The request is not valid."


class Locked(DomainError):
    status = 423
    default_message = "This account is locked."


class TooManyRequests(DomainError):
    status = 429
    default_message = "Too many requests."


STATUS_NAMES = {
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 409: "Conflict",
    412: "Precondition Failed", 413: "Payload Too Large", 415: "Unsupported Media Type",
    422: "Unprocessable Entity", 423: "Locked", 429: "Too Many Requests",
    500: "Internal Server Error", 503: "Service Unavailable",
}


def error_body(status: int, message: str, errors: dict | None = None) -> dict:
    body = {"code": status, "status": STATUS_NAMES.get(status, "Error"), "message": message}
    if errors:
        body["errors"] = errors
    return body


def _rollback() -> None:
    from servicehub.extensions import db

    db.rollback_if_open()


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(error: DomainError):
        _rollback()
        return error_body(error.status, error.message, error.errors), error.status, error.headers

    @app.errorhandler(IntegrityError)
    def _integrity(error: IntegrityError):
        _rollback()
        current_app.logger.info("integrity error: %s", error.orig)
        return error_body(409, "This conflicts with existing data (a duplicate or a missing reference)."), 409

    @app.errorhandler(StaleDataError)
    def _stale(error: StaleDataError):
        # Optimistic concurrency: another request updated the row between our read and our write.
        _rollback()
        return error_body(412, PreconditionFailed.default_message), 412

    @app.errorhandler(DataError)
    def _data(error: DataError):
        _rollback()
        current_app.logger.info("data error: %s", error.orig)
        return error_body(422, "A value is out of the range the database accepts."), 422
