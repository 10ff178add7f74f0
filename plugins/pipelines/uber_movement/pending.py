"""Which arrival hours a run of the Uber Movement pipeline types: decided from S3 itself.

An hour is pending when its raw files (key -> ETag) differ from the ones its published partition
was made of (``processed_key``): new files, a file rewritten, or never processed. A lost or
duplicated notification therefore never loses or repeats work; the notification only says
"look now". Only the last ``lookback_hours`` are looked at (Firehose writes the current hour);
older hours are typed again by naming them in the ``hours`` param.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from pipelines.uber_movement.tables import HOUR_FORMAT, RAW_PREFIX, processed_key, raw_hour


def day_prefixes(until: datetime, lookback_hours: int) -> list[str]:
    """The raw day folders covering the ``lookback_hours`` hours up to ``until`` (UTC)."""
    first = until - timedelta(hours=lookback_hours)
    days = sorted({(first + timedelta(hours=h)).strftime("%Y/%m/%d") for h in range(lookback_hours + 1)})
    return [f"{RAW_PREFIX}{day}/" for day in days]


def raw_files(objects: Iterable[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """Arrival hour -> {key: ETag} of listed raw objects (others, e.g. folders, ignored)."""
    hours: dict[str, dict[str, str]] = {}
    for obj in objects:
        hour = raw_hour(obj["Key"])
        if hour is not None:
            hours.setdefault(hour, {})[obj["Key"]] = obj["ETag"].strip('"')
    return hours


def pending_hours(
    s3: Any, raw_bucket: str, lake_bucket: str, until: datetime, lookback_hours: int, limit: int
) -> list[str]:
    """The oldest ``limit`` pending hours among the last ``lookback_hours`` (see the module's doc)."""
    objects: list[dict[str, Any]] = []
    for prefix in day_prefixes(until, lookback_hours):
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=raw_bucket, Prefix=prefix):
            objects += page.get("Contents", [])
    oldest = (until - timedelta(hours=lookback_hours)).strftime(HOUR_FORMAT)
    pending = []
    for hour, files in sorted(raw_files(objects).items()):
        if hour >= oldest and files != processed_files(s3, lake_bucket, hour):
            pending.append(hour)
    return pending[:limit]


def processed_files(s3: Any, lake_bucket: str, hour: str) -> dict[str, str] | None:
    try:
        body = s3.get_object(Bucket=lake_bucket, Key=processed_key(hour))["Body"].read()
    except s3.exceptions.NoSuchKey:
        return None
    return json.loads(body)["files"]


def mark_processed(s3: Any, lake_bucket: str, hour: str, files: dict[str, str], attempt: str) -> str:
    key = processed_key(hour)
    s3.put_object(Bucket=lake_bucket, Key=key, Body=json.dumps({"files": files, "attempt": attempt}).encode())
    return key


def mark_checked_hours(s3: Any, lake_bucket: str, checked: dict, report: dict) -> list[str]:
    """Record, for each hour the run published, the raw files it was made of (its job report's)."""
    files = report["files"]
    return [mark_processed(s3, lake_bucket, hour, files[hour], checked["attempt"]) for hour in files]
