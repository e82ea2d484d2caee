"""Password hashing with argon2id (argon2-cffi)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher: PasswordHasher | None = None


def configure(*, time_cost: int, memory_cost: int) -> None:
    global _hasher
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost)


def _get() -> PasswordHasher:
    global _hasher
    if _hasher is None:
        _hasher = PasswordHasher()
    return _hasher


def hash_password(password: str) -> str:
    return _get().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _get().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# Verified against when the account does not exist, so that timing does not reveal usernames.
_DUMMY_HASH: str | None = None


def burn_time(password: str) -> None:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password("not-a-real-password")
    verify_password(_DUMMY_HASH, password)
