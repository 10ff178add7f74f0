"""The traffic pipeline's tables, its raw crawler and the names its SQL files read (include/sql/traffic/)."""

from __future__ import annotations

from typing import Any

from pipelines.attempt_layout import attempts_table
from pipelines.crawls import raw_crawler_config
from pipelines.settings import Settings

RAW_PREFIX = "traffic/"
LINES_TABLE = "traffic_lines"  # the same files as text, one row per line
PROCESSED_TABLE = "traffic_processed"
REJECTS_TABLE = "traffic_rejects"  # the quarantine: raw records the ETL rejected, with the reason
ATTEMPTS_TABLE = attempts_table(PROCESSED_TABLE)  # pipelines.partitions
REJECTS_ATTEMPTS_TABLE = attempts_table(REJECTS_TABLE)


def sql_params(settings: Settings) -> dict[str, str]:
    """The names the SQL files under include/sql/traffic/ read as ``params.*``."""
    return {
        "raw_database": settings.raw_database,
        "raw_bucket": settings.raw_bucket,
        "raw_prefix": RAW_PREFIX,
        "lines_table": LINES_TABLE,
        "lake_database": settings.lake_database,
        "processed_table": PROCESSED_TABLE,
        "attempts_table": ATTEMPTS_TABLE,
        "rejects_table": REJECTS_TABLE,
        "rejects_attempts_table": REJECTS_ATTEMPTS_TABLE,
        "lake_bucket": settings.lake_bucket,
    }


PUBLISHED = (REJECTS_TABLE, PROCESSED_TABLE)  # in the order a run publishes them


def day_values(day: str) -> list[str]:
    """Partition values (year, month, day) of day D in the processed table."""
    return [day[0:4], day[5:7], day[8:10]]


def covered(day: str) -> dict[str, list[list[str]]]:
    """The partitions a run of ``day`` answers for: the day's, in both tables (a day without
    rejects has no quarantine partition)."""
    return {table: [day_values(day)] for table in PUBLISHED}


def crawler_config(settings: Settings) -> dict[str, Any]:
    """The raw crawler: the table ``traffic`` over every arrival hour (pipelines.crawls)."""
    return raw_crawler_config(settings, "traffic-raw", RAW_PREFIX)
