"""The webhook SSRF guard: a group admin cannot make the platform call loopback, private, link-local
(cloud metadata) or reserved addresses, unless the operator allows it (WEBHOOK_ALLOW_PRIVATE)."""

from __future__ import annotations

import pytest

from servicehub.notifications.channels import BlockedTarget, check_public, post_webhook


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8080/hook", "http://localhost/hook", "http://10.1.2.3/hook", "http://192.168.1.10/hook",
    "http://172.16.0.5/hook", "http://169.254.169.254/latest/meta-data/", "http://[::1]/hook", "http://0.0.0.0/",
    "http://224.0.0.1/", "http:///no-host",
])
def test_non_public_targets_are_refused(url):
    with pytest.raises(BlockedTarget):
        check_public(url)


def test_a_public_address_passes():
    check_public("https://8.8.8.8/robot/send?access_token=x")  # an IP literal: no DNS needed


def test_posting_to_a_private_address_fails_before_any_connection(monkeypatch):
    import requests

    def never(*args, **kwargs):  # the guard must stop it before requests is called
        raise AssertionError("requests.post was called")

    monkeypatch.setattr(requests, "post", never)
    with pytest.raises(BlockedTarget):
        post_webhook(url="http://127.0.0.1:9/hook", secret="s" * 16, payload={}, delivery_id=1)
