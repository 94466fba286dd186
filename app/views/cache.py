"""Two per-process caches, neither of which ever holds a user's rows or a page.

`reference`: reference data shared by every user for a minute (batches, types, regions, industries);
console edits show within a minute. `statistics`: a review scope's dashboard figures, keyed by the scope,
so only users of that scope (one authority, or the ministry) share them; a national dashboard scans
every declaration in the country, so it is counted at most once every STATISTICS_SECONDS per worker, and says when."""
from __future__ import annotations

import time
from collections import OrderedDict
from typing import Callable

from flask import current_app

REFERENCE_SECONDS = 60


def reference(key: str, load: Callable[[], object]):
    cache = current_app.extensions.setdefault("platform_reference", {})
    now = time.monotonic()
    if key not in cache or now - cache[key][0] > REFERENCE_SECONDS:
        cache[key] = (now, load())
    return cache[key][1]


STATISTICS_ENTRIES = 256


def statistics(key: tuple, load: Callable[[], object], *, fresh: bool = False) -> tuple[float, object]:
    """(when it was counted, as time.time(), the figures) for `key`, recounted after the configured seconds."""
    seconds = current_app.config.get("STATISTICS_SECONDS", 0)
    cache = current_app.extensions.setdefault("platform_statistics", OrderedDict())
    now = time.monotonic()
    if fresh or seconds <= 0 or key not in cache or now - cache[key][0] > seconds:
        cache[key] = (now, time.time(), load())
        while len(cache) > STATISTICS_ENTRIES:
            cache.popitem(last=False)
    cache.move_to_end(key)
    return cache[key][1], cache[key][2]
