"""Whatever a device reports, the forecaster answers sensibly and never crashes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.maintenance.catalog import PartSpec, WearClock, load_default_catalog
from hub.maintenance.forecast import forecast_depletion, naive_forecast
from hub.maintenance.wear import Observation

START = datetime(2026, 1, 1, tzinfo=UTC)
CATALOG = load_default_catalog()
PARTS = [p for model in CATALOG.models for p in CATALOG.parts_for(model)]

readings = st.lists(
    st.tuples(
        st.floats(min_value=0, max_value=200 * 24, allow_nan=False),  # hours after START
        st.one_of(st.none(), st.floats(min_value=0, max_value=5000, allow_nan=False)),
        st.one_of(st.none(), st.integers(min_value=0, max_value=100).map(float)),
        st.floats(min_value=0, max_value=3, allow_nan=False),
    ).filter(lambda r: r[1] is not None or r[2] is not None),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(rows=readings, part=st.sampled_from(PARTS), later=st.floats(min_value=0, max_value=400))
def test_any_history_gives_a_sane_forecast(
    rows: list[tuple[float, float | None, float | None, float]], part: PartSpec, later: float
) -> None:
    if part.wear_clock is WearClock.CALENDAR:  # batteries report a percentage only
        rows = [(h, None, p, w) for h, _, p, w in rows if p is not None]
    history = [
        Observation(START + timedelta(hours=h), used_hours=u, remaining_percent=p, load=w)
        for h, u, p, w in rows
    ]
    now = START + timedelta(days=later)
    forecast = forecast_depletion(history, part, now)
    naive = naive_forecast(history, part, now)
    seen = [o for o in history if o.at <= now]
    if not seen:
        assert forecast is None
        assert naive is None
        return
    assert forecast is not None
    assert naive is not None
    assert 0 <= forecast.remaining_percent <= 100
    assert forecast.rate_hours_per_day >= 0
    if forecast.days_left is not None:
        assert forecast.days_left >= 0
    if forecast.depletion_at is not None:
        assert forecast.depletion_low is not None
        assert forecast.depletion_low <= forecast.depletion_at
        if forecast.depletion_high is not None:
            assert forecast.depletion_at <= forecast.depletion_high
    assert forecast.to_record()["basis"] == forecast.basis.value
