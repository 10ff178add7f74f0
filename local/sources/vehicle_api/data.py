"""The sample API's records: a pure function of a seed, the volume settings and the day.

Nothing is stored. Each day's vehicles and measurements come from a random generator seeded
with (seed, endpoint, day[, vehicle]), so any date range can be served, any page fetched in any
order, and tests can compute the expected records independently of the HTTP server.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

from pipelines.vehicle_api.contract import day_bounds

ENDPOINTS = ("vehicles", "sensor-data")
DEFAULT_SEED = "vehicle-api"
DAY_MS = 86_400_000
BURST_RATIO = 0.08  # readings that follow the previous one within a second

# Per type: typical seconds between two measurements, and the sensor's mean and spread.
VEHICLE_TYPES: dict[str, tuple[float, float, float]] = {
    "bus": (15.0, 78.0, 6.0),
    "car": (40.0, 92.0, 9.0),
    "truck": (90.0, 65.0, 5.0),
    "van": (25.0, 84.0, 7.0),
}
_NAMES = ("Atlas", "Comet", "Falcon", "Harbor", "Lynx", "Nova", "Orion", "Pioneer", "Sierra", "Vega")


@dataclass(frozen=True)
class Volume:
    """How much data a day holds.

    A vehicle measures from its creation day for ``active_days`` days (1: only on its creation
    day, so one day's sensor data refers only to that day's vehicles).
    """

    vehicles_per_day: tuple[int, int] = (80, 120)
    readings_per_vehicle: tuple[int, int] = (20, 60)
    active_days: int = 1
    null_ratio: float = 0.05

    def __post_init__(self) -> None:
        for name in ("vehicles_per_day", "readings_per_vehicle"):
            # Tuples keep the volume hashable: it is part of the generators' cache key.
            object.__setattr__(self, name, tuple(getattr(self, name)))
            low, high = getattr(self, name)
            if not 0 <= low <= high:
                raise ValueError(f"{name} must be (low, high) with 0 <= low <= high, got {(low, high)}")
        if self.active_days < 1:
            raise ValueError("active_days must be >= 1")
        if not 0.0 <= self.null_ratio <= 1.0:
            raise ValueError("null_ratio must be within [0, 1]")


DEFAULT_VOLUME = Volume()


def iso_ms(epoch_ms: int) -> str:
    """``2026-01-01T07:05:09.250Z``: the API's timestamp format (UTC, milliseconds)."""
    moment = datetime.fromtimestamp(epoch_ms // 1000, UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{epoch_ms % 1000:03d}Z"


def epoch_ms(moment: datetime) -> int:
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)


def _day_start_ms(day: date) -> int:
    return epoch_ms(datetime(day.year, day.month, day.day, tzinfo=UTC))


# Records are kept as (creation epoch ms, vehicle_id, record): the first two are the sort key.
_Row = tuple[int, str, dict[str, Any]]


@lru_cache(maxsize=256)
def _vehicles_of_day(seed: str, volume: Volume, day: date) -> tuple[_Row, ...]:
    rng = random.Random(f"{seed}|vehicles|{day.isoformat()}")
    start = _day_start_ms(day)
    rows = []
    for index in range(rng.randint(*volume.vehicles_per_day)):
        created = start + rng.randrange(DAY_MS)
        vehicle_type = rng.choice(sorted(VEHICLE_TYPES))
        vehicle_id = f"VH-{day:%Y%m%d}-{index:05d}"
        record = {
            "vehicle_id": vehicle_id,
            "vehicle_name": f"{rng.choice(_NAMES)} {vehicle_type} {index + 1}",
            "vehicle_type": vehicle_type,
            "creation_date": iso_ms(created),
        }
        rows.append((created, vehicle_id, record))
    return tuple(sorted(rows, key=lambda row: row[:2]))


def _readings(seed: str, volume: Volume, vehicle: _Row, day: date) -> Iterator[_Row]:
    created, vehicle_id, record = vehicle
    cadence, mean, spread = VEHICLE_TYPES[record["vehicle_type"]]
    rng = random.Random(f"{seed}|sensor|{vehicle_id}|{day.isoformat()}")
    day_start = _day_start_ms(day)
    day_end = day_start + DAY_MS
    first = max(created, day_start)
    moment = first + rng.randrange(max(1, (day_end - first) // 2))
    for _ in range(rng.randint(*volume.readings_per_vehicle)):
        if moment >= day_end:
            return
        value = None if rng.random() < volume.null_ratio else round(rng.gauss(mean, spread), 3)
        yield (
            moment,
            vehicle_id,
            {"vehicle_id": vehicle_id, "timestamp": moment, "sensor_value": value, "creation_date": iso_ms(moment)},
        )
        # A few seconds to a few minutes, around the type's cadence; now and then a burst a
        # fraction of a second later (often within the same whole second, as real devices do).
        if rng.random() < BURST_RATIO:
            moment += rng.randint(50, 950)
        else:
            moment += max(1000, round(cadence * 1000 * math.exp(rng.uniform(-1.5, 1.2))))


@lru_cache(maxsize=256)
def _sensor_data_of_day(seed: str, volume: Volume, day: date) -> tuple[_Row, ...]:
    rows: list[_Row] = []
    for back in range(volume.active_days):
        for vehicle in _vehicles_of_day(seed, volume, day - timedelta(days=back)):
            rows.extend(_readings(seed, volume, vehicle, day))
    return tuple(sorted(rows, key=lambda row: row[:2]))


def _rows_of_day(endpoint: str, seed: str, volume: Volume, day: date) -> tuple[_Row, ...]:
    if endpoint == "vehicles":
        return _vehicles_of_day(seed, volume, day)
    if endpoint == "sensor-data":
        return _sensor_data_of_day(seed, volume, day)
    raise ValueError(f"unknown endpoint {endpoint!r}; expected one of {ENDPOINTS}")


def records_between(
    endpoint: str, start: datetime, end: datetime, seed: str = DEFAULT_SEED, volume: Volume = DEFAULT_VOLUME
) -> list[dict[str, Any]]:
    """Every record of ``endpoint`` created in [start, end), in the API's stable page order.

    Shared with the server, which slices this list into pages. The dicts are the cached ones:
    callers must not change them (``expected_records`` returns copies).
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be timezone-aware")
    start_ms, end_ms = epoch_ms(start), epoch_ms(end)
    found: list[dict[str, Any]] = []
    if end_ms <= start_ms:
        return found
    day = start.astimezone(UTC).date()
    last = datetime.fromtimestamp((end_ms - 1) / 1000, UTC).date()
    while day <= last:
        found.extend(
            record for created, _, record in _rows_of_day(endpoint, seed, volume, day) if start_ms <= created < end_ms
        )
        day += timedelta(days=1)
    return found


def expected_records(
    endpoint: str,
    day: date | str,
    end_day: date | str | None = None,
    *,
    seed: str = DEFAULT_SEED,
    volume: Volume = DEFAULT_VOLUME,
) -> list[dict[str, Any]]:
    """What the API serves for ``endpoint`` over the days [day, end_day] (default: just ``day``).

    Tests use it as "the API's data" for independent computations.
    """
    first = date.fromisoformat(day) if isinstance(day, str) else day
    last = first if end_day is None else (date.fromisoformat(end_day) if isinstance(end_day, str) else end_day)
    start, _ = day_bounds(first)
    _, end = day_bounds(last)
    return [dict(record) for record in records_between(endpoint, start, end, seed, volume)]


def vehicle_for_id(vehicle_id: str, *, seed: str = DEFAULT_SEED, volume: Volume = DEFAULT_VOLUME) -> dict[str, Any]:
    """The vehicle record behind a ``vehicle_id`` (its creation day is part of the id)."""
    try:
        day = datetime.strptime(vehicle_id.split("-")[1], "%Y%m%d").date()
    except (IndexError, ValueError) as err:
        raise KeyError(vehicle_id) from err
    for _, found_id, record in _vehicles_of_day(seed, volume, day):
        if found_id == vehicle_id:
            return dict(record)
    raise KeyError(vehicle_id)
