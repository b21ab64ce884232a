"""API tokens: made here, shown once, stored only as hashes, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets

#: Prefix that makes a leaked mihub token easy to recognise (and to scrub from logs).
TOKEN_PREFIX = "mh_"  # noqa: S105  # a public prefix, not a secret


def new_api_token() -> str:
    """A fresh token with 256 bits of randomness."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_api_token(token: str) -> str:
    """SHA-256 of the token: enough for 256-bit random secrets, and it allows lookup by hash."""
    return hashlib.sha256(token.encode()).hexdigest()


def find_token(presented: str, hashes: dict[str, int]) -> int | None:
    """The id of the stored token matching `presented`, comparing every hash in constant time."""
    digest = hash_api_token(presented)
    found: int | None = None
    for stored, token_id in hashes.items():
        if hmac.compare_digest(stored, digest):
            found = token_id
    return found
