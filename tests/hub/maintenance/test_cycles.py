"""Equivalent full charge cycles from successive battery readings of one device."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.maintenance.cycles import CycleCounter, StoredCycles

MINUTE = 60.0


def fed(
    readings: Iterable[float], *, every: float = 5 * MINUTE, start: float = 0.0
) -> CycleCounter:
    """A new counter fed `readings` (percent) `every` seconds apart."""
    counter = CycleCounter()
    for i, percent in enumerate(readings):
        counter = counter.advance(percent, start + i * every)
    return counter


def settled(readings: Sequence[float], *, every: float = 5 * MINUTE) -> CycleCounter:
    """Like `fed`, with the last reading repeated so that it is accepted too."""
    return fed([*readings, readings[-1]], every=every)


def test_a_first_reading_counts_nothing() -> None:
    assert fed([37]).cycles == 0.0
    assert settled([37]).cycles == 0.0


def test_drops_add_up_and_rises_do_not_count() -> None:
    # Two cleaning runs (100 -> 60, 90 -> 45) with a charge between, read every
    # 30 minutes: 85 % discharged.
    run = [100, 90, 80, 70, 60, 70, 80, 90, 75, 60, 45, 60, 80, 100]
    assert settled(run, every=30 * MINUTE).counted_percent == pytest.approx(85.0)
    assert settled(run, every=30 * MINUTE).cycles == pytest.approx(0.85)


def test_a_drop_counts_while_it_is_still_going_on() -> None:
    # Mid-run the hub already counts the run so far (the newest reading is held back).
    counter = fed([100, 95, 90, 85, 80])
    assert counter.counted_percent == pytest.approx(15.0)
    assert counter.advance(75, 10 * 5 * MINUTE).counted_percent == pytest.approx(20.0)


def test_a_percent_of_jitter_counts_nothing() -> None:
    # A docked, full vacuum whose gauge flickers between two steps for a day.
    flicker = [100, 99] * 144
    assert settled(flicker).cycles == 0.0
    # During a run a one-percent flicker back up neither ends the drop nor adds to it.
    assert settled([80, 79, 80, 79, 78, 79, 77, 76]).counted_percent == pytest.approx(4.0)


def test_a_misread_that_the_next_reading_undoes_is_dropped() -> None:
    # One reading of 0 % (or 100 %) between two of ~80 % a minute apart: no battery
    # drains or charges that fast, so the odd one out was misread.
    assert fed([80, 80, 0, 80, 79, 79], every=MINUTE).counted_percent == 0.0
    assert fed([50, 50, 100, 50, 50], every=MINUTE).counted_percent == 0.0
    # The same two moves hours apart are what a battery does: they count.
    assert fed([80, 80, 30, 80, 80], every=3 * 3600).counted_percent == pytest.approx(50.0)


def test_after_a_gap_only_the_net_drop_counts() -> None:
    hour = 3600.0
    counter = fed([90, 80], every=hour)
    # Three days offline: it comes back lower; what it did meanwhile is unknown.
    counter = counter.advance(30, 3 * 24 * hour).advance(30, 3 * 24 * hour + MINUTE)
    assert counter.counted_percent == pytest.approx(60.0)
    # Offline again, back fully charged: the drop ended, nothing else is added.
    counter = counter.advance(100, 6 * 24 * hour).advance(100, 6 * 24 * hour + MINUTE)
    assert counter.counted_percent == pytest.approx(60.0)


@pytest.mark.parametrize("bad", [None, "80", True, -3, 101, float("nan")])
def test_readings_that_are_not_a_percentage_are_ignored(bad: object) -> None:
    counter = fed([90, 80])
    assert counter.advance(bad, 3 * 5 * MINUTE) == counter


def test_late_and_repeated_readings_are_ignored() -> None:
    counter = fed([90, 80, 70])
    assert counter.advance(10, 5 * MINUTE) == counter  # older than the newest
    assert counter.advance(10, 10 * MINUTE) == counter  # same instant as the newest


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        # Restarted mid-run: the drop before and after the restart add up.
        ([100, 90, 80], [70, 60, 60], 40.0),
        # Restarted on a one-percent dip: the dip still counts only if it goes on.
        ([100, 99], [100, 100], 0.0),
        ([100, 99], [97, 97], 3.0),
        # Restarted while charging, after a run: nothing is counted twice.
        ([100, 60, 70, 80], [90, 100, 100], 40.0),
    ],
)
def test_a_restart_resumes_from_what_was_stored(
    before: list[float], after: list[float], expected: float
) -> None:
    counter = settled(before)
    stored = counter.stored()
    assert isinstance(stored, StoredCycles)
    resumed = CycleCounter.resumed(StoredCycles(*stored))  # as read back from the store
    assert resumed.cycles == pytest.approx(counter.cycles)
    start = (len(before) + 1) * 5 * MINUTE
    for i, percent in enumerate(after):
        resumed = resumed.advance(percent, start + i * 5 * MINUTE)
    assert resumed.counted_percent == pytest.approx(expected)


@pytest.mark.parametrize("drained", [7, 29, 109, 258])
def test_a_restart_adds_no_rounding_to_a_whole_percent(drained: int) -> None:
    # cycles are stored as percent / 100, which binary floats do not always undo
    # exactly (1.09 * 100 = 109.00000000000001): the count must come back whole.
    resumed = CycleCounter.resumed(StoredCycles(drained / 100.0, 50.0, 0.0))
    assert resumed.counted_percent == drained


def test_hundreds_of_runs_make_hundreds_of_cycles() -> None:
    # A year of daily 40 % runs, each recharged to full: 365 * 0.4 = 146 cycles.
    day: list[float] = [*range(100, 59, -2), *range(62, 101, 2)]
    counter = settled(day * 365)
    assert counter.cycles == pytest.approx(146.0)


@settings(max_examples=200, deadline=None)
@given(
    readings=st.lists(st.integers(min_value=0, max_value=100), max_size=80),
    cut=st.integers(min_value=0, max_value=80),
)
def test_the_count_never_goes_back_and_never_exceeds_the_drops(
    readings: list[int], cut: int
) -> None:
    counter = CycleCounter()
    seen: list[float] = []
    for i, percent in enumerate(readings):
        if i == cut:  # a restart somewhere in the history
            counter = CycleCounter.resumed(counter.stored())
        counter = counter.advance(percent, i * 5 * MINUTE)
        seen.append(counter.counted_percent)
    assert seen == sorted(seen)
    drops = sum(max(0, a - b) for a, b in itertools.pairwise(readings))
    assert (seen[-1] if seen else 0.0) <= drops
