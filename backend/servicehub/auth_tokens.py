"""flask-jwt-extended callbacks: every token problem answers 401 in the API's error shape."""

from __future__ import annotations

from flask import jsonify
from flask_jwt_extended import JWTManager

from servicehub.errors import error_body


def _unauthorized(message: str):
    from servicehub.extensions import db

    db.rollback_if_open()
    return jsonify(error_body(401, message)), 401


def register(jwt: JWTManager) -> None:
    from servicehub.auth.service import is_revoked
    from servicehub.extensions import db

    @jwt.token_in_blocklist_loader
    def _revoked(_header, payload):
        return is_revoked(db.session, payload)

    @jwt.unauthorized_loader
    def _missing(reason):
        return _unauthorized(f"Not signed in: {reason}.")

    @jwt.invalid_token_loader
    def _invalid(reason):
        return _unauthorized(f"Invalid token: {reason}.")

    @jwt.expired_token_loader
    def _expired(_header, _payload):
        return _unauthorized("The token has expired: refresh it or sign in again.")

    @jwt.revoked_token_loader
    def _revoked_answer(_header, _payload):
        return _unauthorized("The token was revoked: this session has signed out.")

    @jwt.token_verification_failed_loader
    def _failed(_header, _payload):
        return _unauthorized("The token failed verification.")

    @jwt.needs_fresh_token_loader
    def _fresh(_header, _payload):
        return _unauthorized("A fresh sign-in is required.")
