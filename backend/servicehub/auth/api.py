from flask import jsonify, request
from flask_jwt_extended import set_access_cookies, set_refresh_cookies, unset_jwt_cookies

from servicehub.auth import service
from servicehub.auth.schemas import LoginResultSchema, LoginSchema, MeSchema, RefreshResultSchema
from servicehub.extensions import SECURITY, Blueprint, current_actor, db
from servicehub.users.me import describe_me

blp = Blueprint("auth", __name__, url_prefix="/auth", description="Sign-in, token refresh and sign-out.")


@blp.route("/login", methods=["POST"])
@blp.arguments(LoginSchema)
@blp.response(200, LoginResultSchema)
@blp.errors(401, 403, 423, 429)
def login(data):
    """Sign in with group slug, username and password.

    The tokens come back in the body (API clients send `Authorization: Bearer`) and as HttpOnly
    cookies for the SPA, which echoes the `csrf_access_token` cookie in `X-CSRF-TOKEN` on writes.
    Repeated wrong passwords lock the account (423); too many attempts from one address answer 429.
    """
    session = db.session
    service.check_login_rate(request.remote_addr)
    result = service.login(session, tenant_slug=data.get("tenant"), username=data["username"],
                           password=data["password"], ip=request.remote_addr)
    body = LoginResultSchema().dump({
        "access_token": result.access_token,
        "refresh_token": result.refresh_token,
        "user": describe_me(session, account=result.account, tenant=result.tenant),
    })
    response = jsonify(body)
    set_access_cookies(response, result.access_token)
    set_refresh_cookies(response, result.refresh_token)
    return response


@blp.route("/refresh", methods=["POST"])
@blp.doc(security=SECURITY)
@blp.response(200, RefreshResultSchema)
@blp.errors(401, 403)
def refresh():
    """A new access token, from the refresh token (Bearer header, or the HttpOnly cookie + CSRF header)."""
    service.authenticate(refresh=True)
    token = service.refresh(db.session)
    response = jsonify({"access_token": token})
    set_access_cookies(response, token)
    return response


@blp.route("/logout", methods=["POST"])
@blp.auth()
@blp.response(204)
def logout():
    """Sign out: the access and refresh tokens of this sign-in stop working in every process."""
    service.logout(db.session)
    response = jsonify({})
    response.status_code = 204
    unset_jwt_cookies(response)
    return response


@blp.route("/me")
@blp.auth()
@blp.response(200, MeSchema)
def me():
    """The caller, their memberships and effective permissions per org unit."""
    return describe_me(db.session, actor=current_actor())
