"""The application's one clock.

The domain, the views, the console and the seeds ask it for today and now instead of the system clock, so that a
test, a rehearsal or a training instance can run on another day and every part agrees which day it is. Times are
naive local wall-clock times, as the timestamp columns store them.
"""
from __future__ import annotations

import datetime
from contextlib import contextmanager

_shift = datetime.timedelta(0)


def now() -> datetime.datetime:
    return datetime.datetime.now() + _shift


def today() -> datetime.date:
    return now().date()


def utcnow() -> datetime.datetime:
    """Naive UTC, for expiry times that must mean the same instant on every host."""
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) + _shift


def host_utc() -> datetime.datetime:
    """The host's own time, aware UTC and never shifted: to compare with times that a file system or an object
    store wrote (an object's age), which the shift does not move."""
    return datetime.datetime.now(datetime.timezone.utc)


def shift(delta: datetime.timedelta) -> None:
    """Run the whole process `delta` away from the system clock (tests and rehearsals only)."""
    global _shift
    _shift = delta


@contextmanager
def moved(delta: datetime.timedelta):
    """The clock `delta` further on for the duration of a block."""
    before = _shift
    shift(before + delta)
    try:
        yield
    finally:
        shift(before)
