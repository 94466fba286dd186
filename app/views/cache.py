"""Reference data shared by every user of this process for a minute: batches, types, regions, industries.

Only reference data goes here, never a user's rows or a page; console edits show within a minute."""
from __future__ import annotations

import time
from typing import Callable

from flask import current_app

REFERENCE_SECONDS = 60


def reference(key: str, load: Callable[[], object]):
    cache = current_app.extensions.setdefault("platform_reference", {})
    now = time.monotonic()
    if key not in cache or now - cache[key][0] > REFERENCE_SECONDS:
        cache[key] = (now, load())
    return cache[key][1]
