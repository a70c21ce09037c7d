"""Ids, unguessable tokens, and the clock."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from datetime import UTC, datetime

# 32 random bytes: 256 bits, well above the 128 bits every link and room token must have.
TOKEN_BYTES = 32


def new_id() -> str:
    return uuid.uuid4().hex


def new_token() -> tuple[str, str]:
    """A fresh token for the person and the hash the database keeps instead of it."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, hash_token(token)


def derived_token(secret: str, purpose: str, subject: str) -> tuple[str, str]:
    """A token the server can make again from its secret (for links shown more than once,
    such as a meeting's), and its hash; nothing but the hash is stored."""
    digest = hmac.new(secret.encode(), f"{purpose}:{subject}".encode(), hashlib.sha256).digest()
    token = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return token, hash_token(token)


def hash_token(token: str) -> str:
    # Tokens carry 256 bits of entropy, so a plain SHA-256 is enough (no slow hash needed).
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def utcnow() -> datetime:
    return datetime.now(UTC)
