"""A per-process cache of reference data shared by every user for a minute (batches, types, regions,
industries), never a user's rows or a page; console edits show within a minute. (The 数据看板 needs no cache: it
reads summary rows kept live, `app.domain.figures`.)"""
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
