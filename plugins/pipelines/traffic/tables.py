"""The traffic pipeline's tables and the names its SQL files read (include/sql/traffic/)."""

from __future__ import annotations

from pipelines.partitions import attempts_table
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


def day_values(day: str) -> list[str]:
    """Partition values (year, month, day) of day D in the processed table."""
    return [day[0:4], day[5:7], day[8:10]]
