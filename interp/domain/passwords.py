"""Password hashing with argon2id and the rules a new password must meet."""

from __future__ import annotations

import asyncio
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from interp.domain.errors import InvalidInput

MIN_LENGTH = 10
MAX_LENGTH = 1024

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    # Verified against when the email is unknown, so a wrong email costs as long as a wrong
    # password. Made on first use: hashing takes a moment and 64 MiB, not worth it at import.
    return _hasher.hash("not-a-real-password")


def check_new_password(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"The password must have at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise InvalidInput(f"The password must have at most {MAX_LENGTH} characters.")


# Argon2 takes tens of milliseconds and 64 MiB by design: it runs in a worker thread so
# the event loop keeps serving everyone else meanwhile.


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    return await asyncio.to_thread(_verify, password_hash, password)


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return (
            _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
        )
    except (VerificationError, InvalidHashError):
        return False
