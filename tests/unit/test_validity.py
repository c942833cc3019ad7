"""The phases of a workspace or binding on a day, and the day they next change."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from lscsde_sdk.validity import Phase, Validity, seconds_until

D = date(2026, 3, 10)


def test_available_from_is_inclusive_and_expires_exclusive() -> None:
    validity = Validity(D, D + timedelta(days=5))
    assert validity.phase(D - timedelta(days=1)) is Phase.NOT_YET_AVAILABLE
    assert validity.phase(D) is Phase.AVAILABLE
    assert validity.phase(D + timedelta(days=4)) is Phase.AVAILABLE
    assert validity.phase(D + timedelta(days=5)) is Phase.EXPIRED


def test_the_next_change_is_the_first_day_of_the_next_phase() -> None:
    validity = Validity(D, D + timedelta(days=5))
    assert validity.next_change(D - timedelta(days=3)) == D
    assert validity.next_change(D) == D + timedelta(days=5)
    assert validity.next_change(D + timedelta(days=5)) is None  # expired stays expired


def test_no_start_is_available_and_an_end_before_the_start_goes_straight_to_expired() -> None:
    binding = Validity(None, D)
    assert binding.phase(date(2000, 1, 1)) is Phase.AVAILABLE
    assert binding.next_change(D - timedelta(days=1)) == D
    backwards = Validity(D + timedelta(days=3), D + timedelta(days=1))
    assert backwards.phase(D) is Phase.NOT_YET_AVAILABLE
    assert backwards.next_change(D) == D + timedelta(days=1)
    assert backwards.phase(D + timedelta(days=1)) is Phase.EXPIRED


def test_seconds_until_counts_to_local_midnight_and_never_below_zero() -> None:
    assert seconds_until(D, datetime(2026, 3, 9, 23, 59, 30)) == 30.0
    assert seconds_until(D, datetime(2026, 3, 10, 0, 0, 1)) == 0.0
    aware = datetime.combine(D, datetime.min.time()).astimezone() - timedelta(seconds=90)
    assert seconds_until(D, aware) == 90.0
