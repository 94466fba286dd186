"""The rate limits' storage when no REDIS_URL is set.

limits' in-memory storage starts its expiry timer without a lock, so two threads of one process (the threaded
development server, a threaded worker) can start the same timer twice: a RuntimeError, and so a 500 on sign-in.
This one starts it under a lock. Importing the module registers its scheme with limits.
"""
from __future__ import annotations

import threading

from limits.storage import MemoryStorage

SCHEME = "threadsafe-memory"


class ThreadSafeMemoryStorage(MemoryStorage):
    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        self._timer_lock = threading.Lock()
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    def _MemoryStorage__schedule_expiry(self) -> None:  # the name MemoryStorage.incr calls
        with self._timer_lock:
            MemoryStorage._MemoryStorage__schedule_expiry(self)
