"""The rate limits' own storage without Redis: limits' in-memory one, with its expiry timer started under a lock."""
import threading

from limits.storage import storage_from_string

from app.security.rate_limits import ThreadSafeMemoryStorage


def test_the_scheme_of_the_configuration_names_this_storage():
    import config

    assert isinstance(storage_from_string(config.Config.RATELIMIT_STORAGE_URI), ThreadSafeMemoryStorage) \
        or config.Config.REDIS_URL


def test_the_expiry_timer_is_started_under_the_lock():
    storage = ThreadSafeMemoryStorage()
    with storage._timer_lock:
        counting = threading.Thread(target=storage.incr, args=("sign-in", 60))
        counting.start()
        counting.join(0.3)
        assert counting.is_alive()  # waiting for the lock another thread holds
    counting.join()
    assert storage.get("sign-in") == 1
