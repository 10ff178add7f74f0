"""The Uber Movement pipeline's names: raw layout, tables, the Glue job and crawler, the files its
runs leave (include/sql/uber_movement/, include/glue/uber_movement_travel_times.py)."""

from __future__ import annotations

import re
from typing import Any

from pipelines.crawls import raw_crawler_config
from pipelines.glue_runs import GlueJob
from pipelines.settings import Settings

RAW_PREFIX = "uber_movement/"  # Firehose adds YYYY/MM/DD/HH/ (the arrival hour, UTC)
RAW_TABLE = "uber_movement"  # the crawler names the table after the folder
QUARANTINE_PREFIX = "uber_movement_quarantine/"  # in the raw bucket, beside the crawled prefix
TABLE = "travel_times"
LAKE_PREFIX = "uber_movement/"  # in the lake bucket
REPORTS_PREFIX = f"{LAKE_PREFIX}_reports/"
PROCESSED_PREFIX = f"{LAKE_PREFIX}_processed/"
JOB = GlueJob(
    suffix="uber-movement-travel-times",
    script_key="glue/uber_movement_travel_times.py",
    database_setting="lake_database",
    reports_prefix=REPORTS_PREFIX,
    extra_py_files=("glue/uber_movement_rules.py",),  # what a row must be, shared with the ingest endpoint
)
HOUR_FORMAT = "%Y-%m-%d-%H"  # arrival_hour values; a run's hours are YYYY-MM-DDTHH (pipelines.run_targets)
RAW_HOUR = re.compile(rf"^{RAW_PREFIX}(\d{{4}})/(\d{{2}})/(\d{{2}})/(\d{{2}})/[^/]+$")


def raw_hour(key: str) -> str | None:
    """The arrival hour (``YYYY-MM-DD-HH``) of a raw object key, None if it is not in the layout."""
    found = RAW_HOUR.match(key)
    return "-".join(found.groups()) if found else None


def hour_prefix(hour: str) -> str:
    """The raw folder of an arrival hour."""
    return f"{RAW_PREFIX}{hour[0:4]}/{hour[5:7]}/{hour[8:10]}/{hour[11:13]}/"


def processed_key(hour: str) -> str:
    """Where a published hour records the raw files it was made of (key -> ETag), in the lake bucket."""
    return f"{PROCESSED_PREFIX}arrival_hour={hour}.json"


def arrival_hour(hour: str) -> str:
    """The ``arrival_hour`` value (``YYYY-MM-DD-HH``) of a run's hour (``YYYY-MM-DDTHH``)."""
    return f"{hour[:10]}-{hour[11:13]}"


def run_hour(arrival: str) -> str:
    """The run's hour (``YYYY-MM-DDTHH``) of an ``arrival_hour`` value."""
    return f"{arrival[:10]}T{arrival[11:13]}"


def covered(hours: list[str]) -> dict[str, list[list[str]]]:
    """The partitions a run of ``hours`` answers for (an hour left without rows has none)."""
    return {TABLE: [[arrival_hour(hour)] for hour in hours]}


def sql_params(settings: Settings) -> dict[str, str]:
    return {"lake_database": settings.lake_database, "lake_bucket": settings.lake_bucket, "lake_prefix": LAKE_PREFIX}


def crawler_config(settings: Settings) -> dict[str, Any]:
    """The raw crawler: the table ``uber_movement`` over every arrival hour (pipelines.crawls)."""
    return raw_crawler_config(settings, "uber-movement-raw", RAW_PREFIX)
