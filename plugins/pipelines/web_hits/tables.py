"""The web hits pipeline's tables, the Glue job it runs and the names its SQL files read
(include/sql/web_hits/, include/glue/web_hits_aggregates.py)."""

from __future__ import annotations

from typing import Any

from pipelines.glue_runs import GlueJob
from pipelines.settings import Settings

RAW_PREFIX = "web_hits/"
RAW_TABLE = "web_hits"
AGGREGATES = ("hits_by_country", "hits_by_domain_and_groupid", "hits_by_useragent")
# How each aggregate is stored (the seed's: its Glue job writes them so).
FORMATS = {"hits_by_country": "parquet", "hits_by_domain_and_groupid": "json", "hits_by_useragent": "parquet"}
REPORTS_PREFIX = f"{RAW_PREFIX}_reports/"  # in the lake bucket
JOB = GlueJob(
    suffix="web-hits-aggregates",
    script_key="glue/web_hits_aggregates.py",  # in the artifacts bucket (deploy/glue_scripts.py puts it there)
    database_setting="aggregated_database",
    reports_prefix=REPORTS_PREFIX,
    timeout_minutes=60,  # an hour's job that takes longer would overlap the next hour's
)


def sql_params(settings: Settings) -> dict[str, Any]:
    """The names the SQL files under include/sql/web_hits/ read as ``params.*``."""
    return {
        "raw_database": settings.raw_database,
        "raw_table": RAW_TABLE,
        "raw_bucket": settings.raw_bucket,
        "raw_prefix": RAW_PREFIX,
        "aggregated_database": settings.aggregated_database,
        "lake_bucket": settings.lake_bucket,
        "formats": FORMATS,
    }


def hour_values(hour: str) -> list[str]:
    """Partition values (year, month, day, hour) of ``YYYY-MM-DDTHH``."""
    return [hour[0:4], hour[5:7], hour[8:10], hour[11:13]]


def covered(hour: str) -> dict[str, list[list[str]]]:
    """The partitions a run of ``hour`` answers for: the hour's, in each aggregate (an hour
    without hits has none)."""
    return {table: [hour_values(hour)] for table in AGGREGATES}
