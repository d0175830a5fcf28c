"""Secrets: API tokens and sign-in codes are random and stored only as SHA-256 digests."""

from __future__ import annotations

import hashlib
import hmac
import secrets

CODE_DIGITS = 6


def new_api_token() -> str:
    # 256 bits from the OS CSPRNG; URL-safe so it fits a header or a feed URL.
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_sign_in_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def hash_sign_in_code(email: str, code: str) -> str:
    # Bound to the address, so a digest from one address matches nothing for another.
    return hashlib.sha256(f"{email}\x00{code}".encode()).hexdigest()


def same_digest(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
