"""An offline image captcha (验证码).

The session keeps only an HMAC of the answer, a nonce and an expiry; a challenge is consumed by its first
check, right or wrong, and its nonce is recorded in the shared store so that replaying an old session
cookie cannot reuse it.
"""
from __future__ import annotations

import hashlib
import hmac
import io
import secrets
import time

from flask import current_app, session

from app.security.shared_store import consume_once

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
LENGTH = 4
LIFETIME_SECONDS = 300
SESSION_KEY = "captcha"


def random_text() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def _digest(answer: str, nonce: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{nonce}:{answer.strip().upper()}".encode(), hashlib.sha256).hexdigest()


def new_challenge() -> bytes:
    """Start a challenge in the session and return its PNG image."""
    from captcha.image import ImageCaptcha

    text, nonce = random_text(), secrets.token_hex(12)
    session[SESSION_KEY] = {"d": _digest(text, nonce), "n": nonce, "e": int(time.time()) + LIFETIME_SECONDS}
    buffer = io.BytesIO()
    ImageCaptcha(width=120, height=44, font_sizes=(30, 34, 36)).write(text, buffer, format="png")
    return buffer.getvalue()


def check(answer: str | None) -> bool:
    """Whether `answer` solves the session's challenge; the challenge is used up either way."""
    challenge = session.pop(SESSION_KEY, None)
    if not challenge or not answer or time.time() > challenge.get("e", 0):
        return False
    if not consume_once(f"captcha:{challenge['n']}", LIFETIME_SECONDS):
        return False
    return hmac.compare_digest(challenge["d"], _digest(answer, challenge["n"]))
