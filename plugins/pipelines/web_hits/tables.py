"""The web hits pipeline's tables, the Glue job it runs and the names its SQL files read
(include/sql/web_hits/, include/glue/web_hits_aggregates.py)."""

from __future__ import annotations

from typing import Any

from pipelines import glue_runs
from pipelines.calendar_patterns import hour_pattern
from pipelines.settings import Settings

RAW_PREFIX = "web_hits/"
RAW_TABLE = "web_hits"
AGGREGATES = ("hits_by_country", "hits_by_domain_and_groupid", "hits_by_useragent")
JOB_SCRIPT_KEY = "glue/web_hits_aggregates.py"  # in the artifacts bucket (deploy/glue_scripts.py puts it there)
JOB_TIMEOUT_MINUTES = 60  # an hour's job that takes longer would overlap the next hour's
HOUR_PATTERN = hour_pattern("T")


def sql_params(settings: Settings) -> dict[str, str]:
    """The names the SQL files under include/sql/web_hits/ read as ``params.*``."""
    return {
        "raw_database": settings.raw_database,
        "raw_table": RAW_TABLE,
        "raw_bucket": settings.raw_bucket,
        "raw_prefix": RAW_PREFIX,
        "aggregated_database": settings.aggregated_database,
        "lake_bucket": settings.lake_bucket,
    }


def hour_values(hour: str) -> list[str]:
    """Partition values (year, month, day, hour) of ``YYYY-MM-DDTHH``."""
    return [hour[0:4], hour[5:7], hour[8:10], hour[11:13]]


def job_name(settings: Settings) -> str:
    return f"pipelines-{settings.env}-web-hits-aggregates"


REPORTS_PREFIX = f"{RAW_PREFIX}_reports/"  # in the lake bucket


def report_key(attempt: str) -> str:
    """Where the job's try ``attempt`` writes its figures, in the lake bucket."""
    return f"{REPORTS_PREFIX}{attempt}.json"


def job_config(settings: Settings) -> dict[str, Any]:
    return glue_runs.job_config(settings, JOB_SCRIPT_KEY, JOB_TIMEOUT_MINUTES, settings.aggregated_database)
