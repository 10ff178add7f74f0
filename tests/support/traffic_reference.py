"""The traffic ETL of spec section 1 computed in plain Python, to check the Athena SQL against.

Written from the spec's rules, not from the SQL: it reads the same raw objects (key + JSON lines)
and returns the rows the processed table must hold for one day.
"""

from __future__ import annotations

import json
import math
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta

COLUMNS = (
    "uniqueid",
    "recordtimestamp",
    "currentspeed",
    "bezettingsgraad",
    "previousspeed",
    "trafficjamindicator",
    "trafficintensityclass2",
    "trafficintensityclass3",
    "trafficintensityclass4",
    "trafficintensityclass5",
    "speeddiffindicator",
    "avgspeed2minutes",
    "avgspeed10minutes",
)
PARTITION_COLUMNS = ("year", "month", "day")
LATE_HOURS = 6  # hours of D+1 read for D's late records: 00..06
LOOKBACK_SECONDS = 600  # the longest window reaches 10 minutes into D-1
VALUE_FIELDS = (
    "rekendata_bezettingsgraad",
    *(f"verkeersintensiteit_klasse{n}" for n in range(1, 6)),
    *(f"voertuigsnelheid_rekenkundig_klasse{n}" for n in range(1, 6)),
)


def arrival_hour(key: str) -> tuple[str, str, str, str]:
    """(YYYY, MM, DD, HH) of a Firehose key ``.../YYYY/MM/DD/HH/<file>``."""
    year, month, day, hour = key.split("/")[-5:-1]
    return year, month, day, hour


def hours_read(day: date) -> set[tuple[str, str, str, str]]:
    """Arrival hours a run for ``day`` reads: D-1 23h, all of D, D+1 00h..06h."""
    before, after = day - timedelta(days=1), day + timedelta(days=1)

    def hour(d: date, h: int) -> tuple[str, str, str, str]:
        return f"{d:%Y}", f"{d:%m}", f"{d:%d}", f"{h:02d}"

    return {hour(before, 23), *(hour(day, h) for h in range(24)), *(hour(after, h) for h in range(LATE_HOURS + 1))}


def records_of(objects: Iterable[tuple[str, bytes]]) -> Iterator[tuple[str, dict]]:
    """(key, record) for every JSON line of every object."""
    for key, body in objects:
        for line in body.decode().splitlines():
            if line.strip():
                yield key, json.loads(line)


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _lane_speed(record: dict) -> float | None:
    speeds = [
        record[f"voertuigsnelheid_rekenkundig_klasse{n}"]
        for n in range(2, 6)
        if record[f"verkeersintensiteit_klasse{n}"] > 0
    ]
    return sum(speeds) / len(speeds) if speeds else None


def _round_half_up(value: float) -> int:
    return math.floor(value + 0.5)


def _window_mean(times: list[int], speeds: list[float | None], upto: int, seconds: int) -> float | None:
    first = bisect_left(times, times[upto] - seconds)
    return _mean([s for s in speeds[first : upto + 1] if s is not None])


def expected_rows(raw: Iterable[tuple[str, dict]], day: date) -> list[dict]:
    """Rows of the processed table for ``day``, sorted by (uniqueid, recordtimestamp).

    ``raw`` yields (object key, raw record) pairs; only objects in the arrival hours a run reads
    count. Each row holds the output columns plus year, month, day.
    """
    start = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
    end = start + 86_400
    readable = hours_read(day)

    # Keep the valid lane records; of copies of the same lane minute keep the earliest delivered.
    chosen: dict[tuple[int, int, int], tuple[tuple, dict]] = {}
    for key, record in raw:
        hour = arrival_hour(key)
        if hour not in readable:
            continue
        if record.get("defect") != 0:
            continue
        occupancy = record.get("rekendata_bezettingsgraad")
        if occupancy is None or occupancy < 0:
            continue
        measured = record["tijd_waarneming"]
        if not start - LOOKBACK_SECONDS <= measured < end:
            continue
        lane_key = (record["unieke_id"], record["lve_nr"], measured)
        order = (hour, tuple(record[f] for f in VALUE_FIELDS))
        if lane_key not in chosen or order < chosen[lane_key][0]:
            chosen[lane_key] = (order, record)

    minutes: dict[tuple[int, int], list[dict]] = defaultdict(list)
    for (detector, _, measured), (_, record) in chosen.items():
        minutes[(detector, measured)].append(record)

    per_detector: dict[int, list[dict]] = defaultdict(list)
    for (detector, measured), lanes in sorted(minutes.items()):
        lane_speeds = [s for s in (_lane_speed(r) for r in lanes) if s is not None]
        per_detector[detector].append(
            {
                "uniqueid": detector,
                "recordtimestamp": measured,
                "currentspeed": _mean(lane_speeds),
                "bezettingsgraad": _round_half_up(sum(r["rekendata_bezettingsgraad"] for r in lanes) / len(lanes)),
                **{
                    f"trafficintensityclass{n}": sum(r[f"verkeersintensiteit_klasse{n}"] for r in lanes)
                    for n in range(2, 6)
                },
            }
        )

    rows = []
    for detector in sorted(per_detector):
        series = per_detector[detector]
        times = [m["recordtimestamp"] for m in series]
        speeds = [m["currentspeed"] for m in series]
        for i, minute in enumerate(series):
            if minute["recordtimestamp"] < start:
                continue  # D-1's last minutes only feed the windows and previousspeed
            previous = speeds[i - 1] if i > 0 else None
            current = minute["currentspeed"]
            diff = current - previous if current is not None and previous is not None else None
            avg2 = _window_mean(times, speeds, i, 120)
            avg10 = _window_mean(times, speeds, i, 600)
            row = {
                "uniqueid": detector,
                "recordtimestamp": minute["recordtimestamp"],
                "currentspeed": current,
                "bezettingsgraad": minute["bezettingsgraad"],
                "previousspeed": previous,
                "trafficjamindicator": -1 if avg2 is None else (1 if avg2 <= 40 else 0),
                **{f"trafficintensityclass{n}": minute[f"trafficintensityclass{n}"] for n in range(2, 6)},
                "speeddiffindicator": 0 if diff is None else (1 if diff >= 20 else (-1 if diff <= -20 else 0)),
                "avgspeed2minutes": avg2,
                "avgspeed10minutes": avg10,
                "year": f"{day:%Y}",
                "month": f"{day:%m}",
                "day": f"{day:%d}",
            }
            rows.append(row)
    return rows


FLOATS = ("currentspeed", "previousspeed", "avgspeed2minutes", "avgspeed10minutes")


def same(actual: dict, expected: dict) -> bool:
    """Whether a processed row equals the reference one (doubles to 1e-9: aggregation order changes the last bits)."""
    for column in expected:
        a, e = actual[column], expected[column]
        if column in FLOATS and a is not None and e is not None:
            if not math.isclose(a, e, rel_tol=1e-9, abs_tol=1e-9):
                return False
        elif a != e:
            return False
    return True
