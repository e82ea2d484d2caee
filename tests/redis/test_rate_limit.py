"""Login rate limits live in Redis, so they hold across API processes."""

from tests.auth.test_api import login


def test_login_rate_limit_is_shared_by_api_processes(app_factory, world):
    first = app_factory(login_rate_limit="3 per minute").test_client()
    second = app_factory(login_rate_limit="3 per minute").test_client()
    assert [login(c).status_code for c in (first, second, first)] == [200, 200, 200]
    limited = login(second)
    assert limited.status_code == 429
    assert "Too many sign-in attempts" in limited.json["message"]
    assert int(limited.headers["Retry-After"]) >= 1


def test_a_broken_limit_store_does_not_block_sign_in(app_factory, world):
    """Redis down: the limiter fails open (the database lock-out still protects accounts)."""
    client = app_factory(login_rate_limit="1 per minute", redis_url="redis://127.0.0.1:1/0").test_client()
    assert login(client).status_code == 200
