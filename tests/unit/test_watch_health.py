"""What a watcher's stats say as things happen (the informer's health() reads them live;
tests/reliability/test_watch_health.py shows it on a real server through a fault proxy)."""

from __future__ import annotations

from lscsde_sdk.errors import ApiConnectionError
from lscsde_sdk.runtime.health import InformerHealth, WatchStats


def test_a_failure_is_reported_until_the_next_connection_succeeds() -> None:
    stats = WatchStats()
    stats.listed("10")
    stats.connected()
    assert (stats.watching, stats.last_error, stats.reconnects) == (True, None, 0)
    broke = ApiConnectionError("WATCH", "/x", "stream broke off", sent=True)
    stats.failed(broke)
    # Counted when it happens, and kept while the watch is down.
    assert (stats.watching, stats.last_error, stats.reconnects) == (False, broke, 1)
    stats.failed(broke)
    assert (stats.reconnects, stats.failures) == (2, 2)
    stats.connected()
    assert (stats.watching, stats.last_error) == (True, None)
    assert stats.failures == 2  # the backoff resets only when the server says something
    stats.received("11")
    assert (stats.failures, stats.events, stats.resource_version) == (0, 1, "11")


def test_the_time_since_the_server_was_heard_restarts_with_each_list_event_bookmark_or_end() -> (
    None
):
    stats = WatchStats()
    assert stats.seconds_since_heard() is None
    stats.listed("1")
    first = stats.seconds_since_heard()
    assert first is not None and first >= 0
    assert stats.last_heard is not None
    heard = stats.last_heard
    stats.connected()
    assert stats.last_heard == heard  # a connection is not news from the store's point of view
    stats.received(None)  # a bookmark without a version keeps the version it had
    assert stats.last_heard is not None and stats.last_heard >= heard
    assert stats.resource_version == "1"
    heard = stats.last_heard
    stats.ended()  # the server ended the watch as asked: up to date until then
    assert not stats.watching and stats.last_heard >= heard


def test_ready_means_running_synced_and_not_degraded() -> None:
    healthy = InformerHealth(
        running=True,
        synced=True,
        watching=True,
        degraded=False,
        seconds_since_heard=1.0,
        objects=3,
        resource_version="9",
        relists=1,
        expired=0,
        reconnects=0,
        last_error=None,
    )
    assert healthy.ready
    for change in ({"running": False}, {"synced": False}, {"degraded": True}):
        assert not InformerHealth(**{**healthy.__dict__, **change}).ready
