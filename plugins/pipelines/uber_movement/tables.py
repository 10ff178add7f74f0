"""The Uber Movement pipeline's names: raw layout, tables, the Glue job and crawler, the files its
runs leave (include/sql/uber_movement/, include/glue/uber_movement_travel_times.py)."""

from __future__ import annotations

import re
from typing import Any

from pipelines import glue_runs
from pipelines.calendar_patterns import hour_pattern
from pipelines.settings import Settings

RAW_PREFIX = "uber_movement/"  # Firehose adds YYYY/MM/DD/HH/ (the arrival hour, UTC)
RAW_TABLE = "uber_movement"  # the crawler names the table after the folder
QUARANTINE_PREFIX = "uber_movement_quarantine/"  # in the raw bucket, beside the crawled prefix
TABLE = "travel_times"
LAKE_PREFIX = "uber_movement/"  # in the lake bucket
REPORTS_PREFIX = f"{LAKE_PREFIX}_reports/"
PROCESSED_PREFIX = f"{LAKE_PREFIX}_processed/"
JOB_SCRIPT_KEY = "glue/uber_movement_travel_times.py"
JOB_RULES_KEY = "glue/uber_movement_rules.py"  # what a row must be, shared with the ingest endpoint
JOB_TIMEOUT_MINUTES = 60
HOUR_FORMAT = "%Y-%m-%d-%H"  # arrival_hour values
HOUR_PATTERN = hour_pattern("-")
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


def report_key(attempt: str) -> str:
    return f"{REPORTS_PREFIX}{attempt}.json"


def sql_params(settings: Settings) -> dict[str, str]:
    return {"lake_database": settings.lake_database, "lake_bucket": settings.lake_bucket, "lake_prefix": LAKE_PREFIX}


def job_name(settings: Settings) -> str:
    return f"pipelines-{settings.env}-uber-movement-travel-times"


def crawler_name(settings: Settings) -> str:
    return f"pipelines-{settings.env}-uber-movement-raw"


def crawler_config(settings: Settings) -> dict[str, Any]:
    """GlueCrawlerOperator's config: the raw table over every arrival hour, new folders only."""
    return {
        "Name": crawler_name(settings),
        "Role": settings.glue_role,
        "DatabaseName": settings.raw_database,
        "Targets": {"S3Targets": [{"Path": f"s3://{settings.raw_bucket}/{RAW_PREFIX}"}]},
        "RecrawlPolicy": {"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"},
        "SchemaChangePolicy": {"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"},
    }


def job_config(settings: Settings) -> dict[str, Any]:
    config = glue_runs.job_config(settings, JOB_SCRIPT_KEY, JOB_TIMEOUT_MINUTES, settings.lake_database)
    config["DefaultArguments"]["--extra-py-files"] = f"s3://{settings.artifacts_bucket}/{JOB_RULES_KEY}"
    return config
