"""Sign-in failures in the shared store (app.domain.sign_in says the rules), keyed by typed name and address."""
from __future__ import annotations

import datetime
import hashlib
import time

from flask import current_app

from app import clock
from app.domain.sign_in import Throttle
from app.security import shared_store

KNOWN_ADDRESS_DAYS = 90


def throttle() -> Throttle:
    c = current_app.config
    return Throttle(free_failures=c["LOGIN_FREE_FAILURES"], first_delay=c["LOGIN_FIRST_DELAY_SECONDS"],
                    max_delay=c["LOGIN_MAX_DELAY_SECONDS"], window=c["LOGIN_FAILURE_WINDOW_SECONDS"],
                    lock_addresses=c["LOGIN_LOCK_ADDRESSES"], lock_minutes=c["LOGIN_LOCK_MINUTES"])


def _name(username: str) -> str:
    """The typed name as a key: case and surrounding spaces do not make another name."""
    return hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]


def _keys(username: str, address: str) -> dict[str, str]:
    name = _name(username)
    return {"failures": f"login:{name}:failures:{address}", "wait": f"login:{name}:wait:{address}",
            "addresses": f"login:{name}:addresses", "lock": f"login:{name}:lock", "known": f"known:{name}:{address}"}


def must_wait(username: str, address: str) -> bool:
    """Whether an attempt for this name from this address is refused without looking at the password."""
    keys, now = _keys(username, address), time.time()
    if (shared_store.get(keys["wait"]) or 0) > now:
        return True
    return (shared_store.get(keys["lock"]) or 0) > now and not shared_store.get(keys["known"])


def failed(username: str, address: str) -> tuple[int, datetime.datetime | None]:
    """Count a failure: the seconds this address must now wait, and the end of an account lock that it started."""
    rules, keys, now = throttle(), _keys(username, address), time.time()
    failures = shared_store.increment(keys["failures"], rules.window)
    locked_until = None
    if failures == 1 and rules.locks_account(shared_store.increment(keys["addresses"], rules.window)) \
            and (shared_store.get(keys["lock"]) or 0) <= now:
        until = now + rules.lock_minutes * 60
        shared_store.put(keys["lock"], int(until), rules.lock_minutes * 60)
        locked_until = clock.now() + datetime.timedelta(minutes=rules.lock_minutes)  # kept on the user, read by the app clock
    delay = rules.delay_after(failures)
    if delay:
        shared_store.put(keys["wait"], int(now + delay), delay)
    return delay, locked_until


def succeeded(username: str, address: str) -> None:
    """A good sign-in clears this address's failures and lets it in during a later account lock."""
    keys = _keys(username, address)
    shared_store.forget(keys["failures"])
    shared_store.forget(keys["wait"])
    shared_store.put(keys["known"], 1, KNOWN_ADDRESS_DAYS * 86400)


def unlock(username: str) -> None:
    """IT staff's 解锁账户: every wait and lock of the name ends, from every address."""
    shared_store.forget(f"login:{_name(username)}:")
