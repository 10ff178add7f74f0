"""Which arrival hours a run types: raw files that differ from what the published hour was made of."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from pipelines.uber_movement.pending import day_prefixes, mark_processed, pending_hours, raw_files

UNTIL = datetime(2026, 3, 2, 1, 20, tzinfo=UTC)


def test_the_lookback_covers_every_day_it_touches():
    assert day_prefixes(UNTIL, 48) == [
        "uber_movement/2026/02/28/", "uber_movement/2026/03/01/", "uber_movement/2026/03/02/",
    ]  # fmt: skip
    assert day_prefixes(UNTIL, 1) == ["uber_movement/2026/03/02/"]


def test_raw_files_are_grouped_by_arrival_hour_and_other_keys_ignored():
    objects = [
        {"Key": "uber_movement/2026/03/02/01/a", "ETag": '"1"'},
        {"Key": "uber_movement/2026/03/02/01/b", "ETag": '"2"'},
        {"Key": "uber_movement/2026/03/02/00/c", "ETag": '"3"'},
        {"Key": "uber_movement/2026/03/02/", "ETag": '"x"'},
        {"Key": "uber_movement/2026/03/02/01/sub/d", "ETag": '"x"'},
    ]
    assert raw_files(objects) == {
        "2026-03-02-01": {"uber_movement/2026/03/02/01/a": "1", "uber_movement/2026/03/02/01/b": "2"},
        "2026-03-02-00": {"uber_movement/2026/03/02/00/c": "3"},
    }


def test_an_hour_is_pending_until_its_files_are_the_ones_it_was_made_of(local_aws):
    s3 = local_aws.client("s3")
    raw, lake = f"pending-raw-{uuid.uuid4().hex[:6]}", f"pending-lake-{uuid.uuid4().hex[:6]}"
    s3.create_bucket(Bucket=raw)
    s3.create_bucket(Bucket=lake)
    for key in ("2026/03/01/23/a", "2026/03/02/00/b", "2026/03/02/01/c", "2026/02/27/10/old"):
        s3.put_object(Bucket=raw, Key=f"uber_movement/{key}", Body=key.encode())
    assert pending_hours(s3, raw, lake, UNTIL, 48, limit=24) == ["2026-03-01-23", "2026-03-02-00", "2026-03-02-01"]
    assert pending_hours(s3, raw, lake, UNTIL, 48, limit=2) == ["2026-03-01-23", "2026-03-02-00"]  # oldest first

    etag = s3.head_object(Bucket=raw, Key="uber_movement/2026/03/02/00/b")["ETag"].strip('"')
    mark_processed(s3, lake, "2026-03-02-00", {"uber_movement/2026/03/02/00/b": etag}, "run-1")
    assert pending_hours(s3, raw, lake, UNTIL, 48, limit=24) == ["2026-03-01-23", "2026-03-02-01"]
    s3.put_object(Bucket=raw, Key="uber_movement/2026/03/02/00/late", Body=b"more")  # a file lands in a typed hour
    assert "2026-03-02-00" in pending_hours(s3, raw, lake, UNTIL, 48, limit=24)
    s3.delete_object(Bucket=raw, Key="uber_movement/2026/03/02/00/late")
    s3.put_object(Bucket=raw, Key="uber_movement/2026/03/02/00/b", Body=b"rewritten")  # same key, new bytes
    assert "2026-03-02-00" in pending_hours(s3, raw, lake, UNTIL, 48, limit=24)
