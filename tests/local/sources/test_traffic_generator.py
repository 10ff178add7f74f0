"""The sample traffic feed: deterministic, in the raw schema, with the faults Firehose and detectors produce."""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from local.sources import traffic as feed
from tests.support.traffic_reference import expected_rows, records_of

DAY = date(2020, 7, 14)  # a Tuesday
KEY = re.compile(
    r"^traffic/(\d{4})/(\d{2})/(\d{2})/(\d{2})/traffic-delivery-stream-1-"
    r"(\d{4})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
)


@pytest.fixture(scope="module")
def day_objects() -> list[tuple[str, bytes]]:
    return list(feed.firehose_objects(feed.generate(DAY, DAY, seed=1), seed=1))


@pytest.fixture(scope="module")
def day_records(day_objects) -> list[tuple[str, dict]]:
    return list(records_of(day_objects))


def test_same_seed_same_objects_and_a_day_does_not_depend_on_the_range(day_objects):
    again = list(feed.firehose_objects(feed.generate(DAY, DAY, seed=1), seed=1))
    assert again == day_objects
    other_seed = list(feed.generate(DAY, DAY, seed=2))
    assert [d.record for d in other_seed[:200]] != [d.record for d in feed.generate(DAY, DAY, seed=1)][:200]
    longer = [
        d for d in feed.generate(DAY - timedelta(days=1), DAY, seed=1) if d.record["tijd_waarneming"] >= 1594684800
    ]
    assert longer == list(feed.generate(DAY, DAY, seed=1))


def test_records_have_the_raw_schema_and_plausible_values(day_records):
    dets = feed.detectors(12, seed=1)
    assert len(dets) == 12 and {len(d.lanes) for d in dets} <= {1, 2, 3, 4} and len({len(d.lanes) for d in dets}) > 1
    lanes_of = {d.unieke_id: set(d.lanes) for d in dets}
    start = int(datetime(2020, 7, 14, tzinfo=UTC).timestamp())
    for _, r in day_records:
        assert tuple(r) == feed.FIELDS
        assert all(type(v) is int for v in r.values())
        assert r["lve_nr"] in lanes_of[r["unieke_id"]]
        assert start <= r["tijd_waarneming"] < start + 86_400 and r["tijd_waarneming"] % 60 == 0
        if r["defect"] == 0:
            assert -1 <= r["rekendata_bezettingsgraad"] <= 100
            for n in range(1, 6):
                count, speed = r[f"verkeersintensiteit_klasse{n}"], r[f"voertuigsnelheid_rekenkundig_klasse{n}"]
                assert count >= 0 and (speed == 0) == (count == 0) and speed <= 200
    # Every detector lane reports every minute, except for a few outages.
    minutes = Counter((r["unieke_id"], r["lve_nr"]) for _, r in day_records)
    assert len(minutes) == sum(len(d.lanes) for d in dets)
    assert len(day_records) == pytest.approx(2.5 * 1440 * 12, rel=0.25)


def test_faults_duplicates_gaps_and_late_arrivals_are_all_present(day_records):
    records = [r for _, r in day_records]
    lane_minutes = Counter((r["unieke_id"], r["lve_nr"], r["tijd_waarneming"]) for r in records)
    assert 0 < sum(n - 1 for n in lane_minutes.values()) < 0.01 * len(records)  # duplicates
    assert 0 < sum(r["defect"] for r in records) < 0.05 * len(records)
    assert 0 < sum(r["defect"] == 0 and r["rekendata_bezettingsgraad"] == -1 for r in records) < 0.01 * len(records)
    no_speed = [
        r for r in records if r["defect"] == 0 and not any(r[f"verkeersintensiteit_klasse{n}"] for n in range(2, 6))
    ]
    assert no_speed
    minutes_per_detector = Counter(uid for uid, _ in {(uid, ts) for uid, _, ts in lane_minutes})
    assert min(minutes_per_detector.values()) < 1440 == max(minutes_per_detector.values())  # outages

    hours = [
        (datetime.strptime("/".join(k.split("/")[1:5]), "%Y/%m/%d/%H").replace(tzinfo=UTC), r) for k, r in day_records
    ]
    delays = [arrived.timestamp() - r["tijd_waarneming"] for arrived, r in hours]
    assert min(delays) > -3600  # the folder is the arrival hour: never before the measured minute's hour
    late = [d for d in delays if d >= 3600]
    assert 0 < len(late) < 0.03 * len(records)
    after_midnight = [r for arrived, r in hours if arrived.date() > DAY]
    assert after_midnight
    assert max(arrived for arrived, _ in hours) < datetime(2020, 7, 15, 6, tzinfo=UTC)


def test_rush_hours_jam_at_bottlenecks_and_traffic_flows_otherwise(day_records):
    rows = expected_rows(day_records, DAY)
    jams = [r for r in rows if r["trafficjamindicator"] == 1]
    assert 0.01 * len(rows) < len(jams) < 0.2 * len(rows)
    jam_hours = Counter(datetime.fromtimestamp(r["recordtimestamp"], UTC).hour for r in jams)
    assert set(jam_hours) <= {6, 7, 8, 9, 10, 15, 16, 17, 18, 19}
    bottlenecks = {d.unieke_id for d in feed.detectors(12, seed=1) if d.bottleneck}
    assert {r["uniqueid"] for r in jams} <= bottlenecks
    assert min(r["currentspeed"] for r in jams if r["currentspeed"] is not None) < 30
    free = [r["currentspeed"] for r in rows if r["currentspeed"] is not None and r["trafficjamindicator"] == 0]
    assert sorted(free)[len(free) // 2] > 60


def test_objects_follow_the_firehose_arrival_hour_layout(day_objects):
    for key, body in day_objects:
        m = KEY.match(key)
        assert m, key
        folder, stamp = m.groups()[:4], m.groups()[4:8]
        assert folder == stamp  # the folder is the hour of the object's first arrival
        folder_end = datetime(*map(int, folder), tzinfo=UTC).timestamp() + 3600
        lines = body.decode().splitlines()
        assert lines and all(json.loads(line)["tijd_waarneming"] < folder_end for line in lines)
    assert len({k for k, _ in day_objects}) == len(day_objects)
    hours = {tuple(k.split("/")[1:5]) for k, _ in day_objects}
    assert {h for h in hours if h[:3] == ("2020", "07", "14")} == {("2020", "07", "14", f"{h:02d}") for h in range(24)}
    assert any(h[:3] == ("2020", "07", "15") for h in hours)


def test_objects_stream_out_while_records_are_still_being_generated():
    consumed = 0

    def counted():
        nonlocal consumed
        for delivery in feed.generate(DAY, DAY, seed=3, detector_count=4):
            consumed += 1
            yield delivery

    first_objects = list(itertools.islice(feed.firehose_objects(counted(), seed=3), 3))
    assert len(first_objects) == 3
    assert consumed < 2.5 * 4 * 60  # the first minutes' objects leave before the first hour is generated
    with pytest.raises(ValueError, match="divide an hour"):
        list(feed.firehose_objects(iter(()), buffer_seconds=7 * 60))
