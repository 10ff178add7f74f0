"""Names and checks of the traffic batch pipeline (spec section 1)."""

from __future__ import annotations

from typing import Any

from pipelines.settings import Settings

RAW_PREFIX = "traffic/"
LINES_TABLE = "traffic_lines"  # the same files as text, one row per line
PROCESSED_TABLE = "traffic_processed"
REJECTS_TABLE = "traffic_rejects"  # the quarantine: raw records the ETL rejected, with the reason
ATTEMPTS_SUFFIX = "_attempts"  # pipelines.partitions
ATTEMPTS_TABLE = PROCESSED_TABLE + ATTEMPTS_SUFFIX
REJECTS_ATTEMPTS_TABLE = REJECTS_TABLE + ATTEMPTS_SUFFIX
CRAWLER_SUFFIX = "traffic-raw"


class ProcessedDayError(Exception):
    """The processed day is empty, or has duplicate keys or out-of-domain indicators."""


def crawler_config(settings: Settings) -> dict[str, Any]:
    """The raw crawler, kept in code: the DAG creates or updates it on every run."""
    return {
        "Name": f"pipelines-{settings.env}-{CRAWLER_SUFFIX}",
        "Role": settings.glue_role,
        "DatabaseName": settings.raw_database,
        "Targets": {"S3Targets": [{"Path": f"s3://{settings.raw_bucket}/{RAW_PREFIX}"}]},
        # New arrival-hour folders only: crawl time does not grow with the lake's history.
        # Files landing late in a folder already registered are read by Athena anyway.
        "RecrawlPolicy": {"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"},
        "SchemaChangePolicy": {"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"},
    }


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


def verify_day(figures: dict[str, int], day: str) -> dict[str, int]:
    """The check query's figures if the attempt may be published; raises naming every problem."""
    problems = []
    if figures["row_count"] == 0:
        problems.append("no rows: the raw feed had no valid record for the day")
    if figures["duplicated_keys"]:
        problems.append(f"{figures['duplicated_keys']} (uniqueid, recordtimestamp) keys appear more than once")
    if figures["invalid_rows"]:
        problems.append(f"{figures['invalid_rows']} rows have indicator values outside their domain")
    if problems:
        raise ProcessedDayError(f"{PROCESSED_TABLE} {day}: " + "; ".join(problems))
    return figures
