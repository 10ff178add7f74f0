"""Sample Flanders traffic detector feed, delivered as Kinesis Firehose would deliver it.

One raw record per detector lane per minute, in the schema of section 1 of the pipelines spec.
Values follow a daily demand curve; detectors marked as bottlenecks slow down to a jam (mean
speed well under 40 km/h) in the weekday rush hours. Some lanes report faults, some minutes carry
an invalid occupancy (-1), quiet minutes have no class 2..5 vehicle (a NULL lane speed
downstream), and some detectors miss a few minutes. Firehose's at-least-once delivery adds
duplicates, and delivery delays put records in later arrival hours, a few hours late at most
(less than 6 h, so the daily ETL's late-data window covers them).

Everything is derived from ``random.Random`` seeded per (seed, detector, day): a day's records do
not depend on the rest of the requested range. Records are produced and grouped into objects as a
stream, so a day with more than a million lane records fits in little memory.

CLI: ``python -m local.sources.traffic --endpoint-url URL --bucket B --from 2020-07-14 --to 2020-07-15``
writes both days (``--to`` is inclusive).
"""

from __future__ import annotations

import argparse
import hashlib
import heapq
import json
import math
import random
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple

from local.sources.s3_puts import put_objects

STREAM = "traffic-delivery-stream"
PREFIX = "traffic/"
BUFFER_SECONDS = 300  # Firehose's default buffering interval
MAX_DELAY_SECONDS = 20_000  # latest arrival: 60 s + 5 h 33 min after the measured minute
COUNT_FIELDS = tuple(f"verkeersintensiteit_klasse{n}" for n in range(1, 6))
SPEED_FIELDS = tuple(f"voertuigsnelheid_rekenkundig_klasse{n}" for n in range(1, 6))
FIELDS = ("unieke_id", "lve_nr", "tijd_waarneming", "defect", "rekendata_bezettingsgraad", *COUNT_FIELDS, *SPEED_FIELDS)

# Share of each vehicle class in the traffic (motorbikes, cars, vans, trucks, articulated trucks).
CLASS_SHARE = (0.01, 0.78, 0.08, 0.06, 0.07)
CLASS_SPEED = (1.05, 1.0, 0.97, 0.82, 0.8)  # relative to the lane's car speed
TRUCK_LIMIT = 90


@dataclass(frozen=True)
class Detector:
    unieke_id: int
    lanes: tuple[int, ...]  # lve_nr of each lane
    free_speed: float  # km/h of cars in light traffic
    lane_capacity: float  # vehicles per lane per minute at the peak of demand
    bottleneck: bool  # jams in the weekday rush hours


class Delivery(NamedTuple):
    """A raw record and the epoch second at which Firehose received it."""

    arrival: int
    record: dict[str, int]


@dataclass(frozen=True)
class WriteSummary:
    keys: list[str]
    deliveries: int


def detectors(count: int = 12, seed: int = 0) -> list[Detector]:
    """``count`` detectors with 1-4 lanes; about a third of them are rush-hour bottlenecks."""
    rng = random.Random(f"traffic-detectors:{seed}")
    ids = sorted(rng.sample(range(1, 10 * count + 3000), count))
    found = []
    for position, unieke_id in enumerate(ids):
        lane_count = rng.choice((1, 2, 2, 3, 3, 4))
        urban = rng.random() < 0.25
        found.append(
            Detector(
                unieke_id=unieke_id,
                lanes=tuple(range(11, 11 + lane_count)),
                free_speed=rng.uniform(55, 70) if urban else rng.uniform(100, 120),
                lane_capacity=rng.uniform(12, 18) if urban else rng.uniform(22, 30),
                bottleneck=position % 3 == 0,
            )
        )
    return found


def day_range(first: date, last: date) -> list[date]:
    """Days from ``first`` to ``last``, both included."""
    if last < first:
        raise ValueError(f"last day {last} is before first day {first}")
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def day_start(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def _bump(hour: float, centre: float, width: float) -> float:
    return math.exp(-(((hour - centre) / width) ** 2))


def demand(hour: float, weekend: bool) -> float:
    """Share of the peak demand at a time of day (0..1)."""
    if weekend:
        return 0.04 + 0.5 * _bump(hour, 13.5, 3.5)
    return 0.04 + 0.45 * _bump(hour, 13, 4) + 0.6 * _bump(hour, 8, 1.1) + 0.55 * _bump(hour, 17.5, 1.3)


def congestion(hour: float, weekend: bool, shift: float) -> float:
    """Fraction of the free speed lost at a bottleneck (0 = free flow, 0.85 = crawling)."""
    if weekend:
        return 0.0
    peak = max(_bump(hour, 8 + shift, 0.6), _bump(hour, 17.5 + shift, 0.75))
    return 0.85 * min(1.0, max(0.0, (peak - 0.25) / 0.6))


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 15:  # the normal approximation is close enough and much cheaper
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


@dataclass
class _DayPlan:
    """What happens to one detector on one day, drawn once per day."""

    rng: random.Random
    jam_shift: float
    defect_lane: int | None
    defect_minutes: range
    gap_minutes: range


def _plan(det: Detector, day: date, seed: int) -> _DayPlan:
    rng = random.Random(f"traffic:{seed}:{det.unieke_id}:{day.isoformat()}")
    defect_lane, defect_minutes = None, range(0)
    if rng.random() < 0.3:
        defect_lane = rng.choice(det.lanes)
        start = rng.randrange(0, 1440 - 30)
        defect_minutes = range(start, min(1440, start + rng.randrange(20, 180)))
    gap_minutes = range(0)
    if rng.random() < 0.3:
        start = rng.randrange(0, 1440 - 20)
        gap_minutes = range(start, start + rng.randrange(2, 16))
    return _DayPlan(rng, rng.uniform(-0.4, 0.4), defect_lane, defect_minutes, gap_minutes)


def _lane_record(
    det: Detector, lane: int, lane_index: int, minute_ts: int, load: float, speed: float, rng: random.Random
) -> dict[str, int]:
    lane_count = len(det.lanes)
    # The rightmost lane (index 0) carries most trucks and drives slower; the others more cars.
    truck_bias = 2.2 if lane_index == 0 else 0.5
    lane_speed = speed * (0.9 + 0.08 * lane_index / max(1, lane_count - 1))
    counts, speeds = [], []
    for n, (share, relative) in enumerate(zip(CLASS_SHARE, CLASS_SPEED, strict=True)):
        weight = share * (truck_bias if n >= 3 else 1.0)
        count = _poisson(rng, det.lane_capacity * load * weight)
        counts.append(count)
        if count:
            mean = lane_speed * relative * rng.uniform(0.93, 1.07)
            speeds.append(max(3, round(min(mean, TRUCK_LIMIT) if n >= 3 else mean)))
        else:
            speeds.append(0)
    total = sum(counts)
    # Share of the minute a vehicle (about 6 m with the loop) covers the loop, in percent.
    occupancy = min(100, round(total * 21.6 / max(lane_speed, 3.0))) if total else 0
    return {
        "unieke_id": det.unieke_id,
        "lve_nr": lane,
        "tijd_waarneming": minute_ts,
        "defect": 0,
        "rekendata_bezettingsgraad": occupancy,
        **dict(zip(COUNT_FIELDS, counts, strict=True)),
        **dict(zip(SPEED_FIELDS, speeds, strict=True)),
    }


def _faulty_record(det: Detector, lane: int, minute_ts: int, rng: random.Random) -> dict[str, int]:
    """A lane in fault: the counters report nonsense that must never reach the output."""
    return {
        "unieke_id": det.unieke_id,
        "lve_nr": lane,
        "tijd_waarneming": minute_ts,
        "defect": 1,
        "rekendata_bezettingsgraad": rng.choice((0, 100, -1)),
        **{f: rng.randrange(0, 60) for f in COUNT_FIELDS},
        **{f: 252 for f in SPEED_FIELDS},
    }


def _delay(rng: random.Random) -> int:
    """Seconds between the end of the measured minute and the arrival at Firehose."""
    u = rng.random()
    if u < 0.85:
        return rng.randrange(5, 90)
    if u < 0.97:
        return rng.randrange(90, 600)
    if u < 0.995:
        return rng.randrange(600, 3600)
    return rng.randrange(3600, MAX_DELAY_SECONDS)


def _day_deliveries(dets: list[Detector], day: date, seed: int) -> Iterator[Delivery]:
    weekend = day.weekday() >= 5
    plans = [_plan(det, day, seed) for det in dets]
    start = day_start(day)
    for minute in range(1440):
        hour = minute / 60
        load = demand(hour, weekend)
        minute_ts = start + 60 * minute
        for det, plan in zip(dets, plans, strict=True):
            if minute in plan.gap_minutes:
                continue  # the detector sent nothing for this minute
            rng = plan.rng
            slowdown = congestion(hour, weekend, plan.jam_shift) if det.bottleneck else 0.0
            speed = det.free_speed * (1 - slowdown) * rng.uniform(0.95, 1.05)
            for lane_index, lane in enumerate(det.lanes):
                if (lane == plan.defect_lane and minute in plan.defect_minutes) or rng.random() < 0.001:
                    record = _faulty_record(det, lane, minute_ts, rng)
                else:
                    record = _lane_record(det, lane, lane_index, minute_ts, load, speed, rng)
                    if rng.random() < 0.003:
                        record["rekendata_bezettingsgraad"] = -1
                arrival = minute_ts + 60 + _delay(rng)
                yield Delivery(arrival, record)
                if rng.random() < 0.003:  # at-least-once delivery: the same record again, later
                    yield Delivery(arrival + rng.randrange(1, 900), dict(record))


def generate(first_day: date, last_day: date, seed: int = 0, detector_count: int = 12) -> Iterator[Delivery]:
    """Every lane record measured from ``first_day`` to ``last_day`` (inclusive), in measurement order.

    About ``2.5 * 1440 * detector_count`` records a day: ``detector_count=280`` gives a million.
    """
    dets = detectors(detector_count, seed)
    for day in day_range(first_day, last_day):
        yield from _day_deliveries(dets, day, seed)


def object_key(stream: str, window_start: int, first_arrival: int, seed: int, prefix: str = PREFIX) -> str:
    """``<prefix>YYYY/MM/DD/HH/<stream>-1-YYYY-MM-DD-HH-MM-SS-<uuid>`` as Firehose names objects."""
    when = datetime.fromtimestamp(first_arrival, UTC)
    digest = hashlib.md5(f"{seed}:{stream}:{window_start}".encode(), usedforsecurity=False).digest()
    suffix = uuid.UUID(bytes=digest, version=4)
    return f"{prefix}{when:%Y/%m/%d/%H}/{stream}-1-{when:%Y-%m-%d-%H-%M-%S}-{suffix}"


def firehose_objects(
    deliveries: Iterable[Delivery],
    seed: int = 0,
    stream: str = STREAM,
    buffer_seconds: int = BUFFER_SECONDS,
    prefix: str = PREFIX,
) -> Iterator[tuple[str, bytes]]:
    """Group deliveries into the objects Firehose writes: one per buffering interval of arrival time.

    ``deliveries`` must come in measurement order (as ``generate`` yields them). A record never
    arrives before it was measured, so an interval is complete as soon as the measurements pass
    its end, and only the intervals still open are held in memory.
    """
    if 3600 % buffer_seconds:
        raise ValueError("buffer_seconds must divide an hour, so that no object spans two hours")
    open_windows: dict[int, list[tuple[int, str]]] = {}
    ends: list[int] = []

    def flush(window: int) -> tuple[str, bytes]:
        lines = sorted(open_windows.pop(window), key=lambda item: item[0])
        body = "".join(line + "\n" for _, line in lines).encode()
        return object_key(stream, window, lines[0][0], seed, prefix), body

    for arrival, record in deliveries:
        measured = record["tijd_waarneming"]
        while ends and ends[0] <= measured:
            yield flush(heapq.heappop(ends) - buffer_seconds)
        window = arrival - arrival % buffer_seconds
        if window not in open_windows:
            open_windows[window] = []
            heapq.heappush(ends, window + buffer_seconds)
        open_windows[window].append((arrival, json.dumps(record, separators=(",", ":"))))
    while ends:
        yield flush(heapq.heappop(ends) - buffer_seconds)


def write_objects(s3: Any, bucket: str, objects: Iterable[tuple[str, bytes]]) -> list[str]:
    """Put each (key, body) into ``bucket`` with a boto3 S3 client; return the keys written."""
    return put_objects(s3, bucket, objects)


def write_range(
    s3: Any,
    bucket: str,
    first_day: date,
    last_day: date,
    seed: int = 0,
    detector_count: int = 12,
    buffer_seconds: int = BUFFER_SECONDS,
    prefix: str = PREFIX,
) -> WriteSummary:
    """Generate ``first_day``..``last_day`` (inclusive) and write it into ``s3://bucket/<prefix>``."""
    counted = 0

    def counting(items: Iterable[Delivery]) -> Iterator[Delivery]:
        nonlocal counted
        for item in items:
            counted += 1
            yield item

    objects = firehose_objects(
        counting(generate(first_day, last_day, seed, detector_count)),
        seed,
        buffer_seconds=buffer_seconds,
        prefix=prefix,
    )
    return WriteSummary(write_objects(s3, bucket, objects), counted)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint-url", required=True, help="S3 endpoint, e.g. http://127.0.0.1:4566")
    parser.add_argument("--bucket", required=True, help="raw bucket")
    parser.add_argument("--from", dest="first", type=date.fromisoformat, required=True, help="first day, YYYY-MM-DD")
    parser.add_argument("--to", dest="last", type=date.fromisoformat, required=True, help="last day (inclusive)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--detectors", type=int, default=12, help="280 detectors give about 1 million records a day")
    parser.add_argument("--prefix", default=PREFIX, help="key prefix of the Firehose layout (default traffic/)")
    parser.add_argument("--region", default="us-east-1")
    args = parser.parse_args(argv)

    import boto3

    from local.aws.credentials import CREDENTIALS

    session = boto3.Session(region_name=args.region)
    # A local endpoint accepts any credentials; use placeholders when the shell has none.
    credentials = {} if session.get_credentials() else CREDENTIALS
    s3 = session.client("s3", endpoint_url=args.endpoint_url, **credentials)
    summary = write_range(s3, args.bucket, args.first, args.last, args.seed, args.detectors, prefix=args.prefix)
    print(f"wrote {summary.deliveries} records in {len(summary.keys)} objects to s3://{args.bucket}/{args.prefix}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
