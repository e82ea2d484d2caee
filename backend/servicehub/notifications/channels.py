"""How notifications leave the building: email over SMTP, SMS through a provider, and a signed
webhook. The local default writes email and SMS to the log instead of sending them."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import smtplib
import ssl
import time
from email.message import EmailMessage
from importlib import import_module
from typing import Protocol

log = logging.getLogger("servicehub.notifications")


class EmailBackend(Protocol):
    def send(self, *, to: str, subject: str, body: str) -> None: ...


class SmsBackend(Protocol):
    def send(self, *, phone: str, text: str) -> None: ...


class LogEmail:
    """The local default: the message goes to the log, nothing is sent."""

    def send(self, *, to: str, subject: str, body: str) -> None:
        log.info("email (log backend) to %s: %s\n%s", to, subject, body)


class SmtpEmail:
    def __init__(self, *, host: str, port: int, username: str = "", password: str = "", starttls: bool = False,
                 use_ssl: bool = False, sender: str, timeout: float = 10):
        self.host, self.port, self.username, self.password = host, port, username, password
        self.starttls, self.use_ssl, self.sender, self.timeout = starttls, use_ssl, sender, timeout

    def send(self, *, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message.set_content(body)
        if self.use_ssl:
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with client:
            if self.starttls:
                client.starttls(context=ssl.create_default_context())
            if self.username:
                client.login(self.username, self.password)
            client.send_message(message)


class LogSms:
    """The local default, and the shape of a provider: `send(phone=, text=)` raising on failure."""

    def send(self, *, phone: str, text: str) -> None:
        log.info("sms (log backend) to %s: %s", phone, text)


def email_backend(settings) -> EmailBackend:
    if settings.email_backend == "smtp":
        return SmtpEmail(host=settings.smtp_host, port=settings.smtp_port, username=settings.smtp_username,
                         password=settings.smtp_password, starttls=settings.smtp_starttls,
                         use_ssl=settings.smtp_ssl, sender=settings.email_from)
    return LogEmail()


def sms_backend(settings) -> SmsBackend:
    """`SMS_BACKEND=log` (default) or `module.path:ClassName` of a provider adapter (Aliyun, Tencent
    Cloud …) constructed without arguments and reading its own credentials from the environment."""
    if settings.sms_backend in ("", "log"):
        return LogSms()
    module, _, name = settings.sms_backend.partition(":")
    return getattr(import_module(module), name)()


SIGNATURE_HEADER = "X-ServiceHub-Signature"
TIMESTAMP_HEADER = "X-ServiceHub-Timestamp"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over "<timestamp>.<body>", hex: what a receiver recomputes to trust the call."""
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


class BlockedTarget(Exception):
    """The webhook's host is not on the public internet (SSRF guard)."""


def check_public(url: str) -> None:
    """Refuse a webhook whose host resolves to a loopback, private, link-local (cloud metadata),
    reserved or multicast address: a group admin must not make the platform call its own network."""
    import ipaddress
    import socket
    from urllib.parse import urlparse

    host = urlparse(url).hostname
    if not host:
        raise BlockedTarget("no host in the URL")
    try:
        infos = socket.getaddrinfo(host, None)
    except socket.gaierror as exc:
        raise BlockedTarget(f"cannot resolve {host}") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global or address.is_multicast:
            raise BlockedTarget(f"{host} resolves to a non-public address ({address})")


def post_webhook(*, url: str, secret: str | None, payload: dict, delivery_id: int, timeout: float = 10,
                 allow_private: bool = False) -> int:
    """POST the payload as JSON; a non-2xx answer is a failure (raised, without the answer's body:
    it is shown to the group's admins)."""
    import requests

    if not allow_private:
        check_public(url)

    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    headers = {"Content-Type": "application/json; charset=utf-8", TIMESTAMP_HEADER: timestamp,
               "X-ServiceHub-Delivery": str(delivery_id)}
    if secret:
        headers[SIGNATURE_HEADER] = sign(secret, timestamp, body)
    response = requests.post(url, data=body, headers=headers, timeout=timeout, allow_redirects=False)
    if not 200 <= response.status_code < 300:
        raise RuntimeError(f"webhook answered HTTP {response.status_code}")
    return response.status_code
