"""The traffic pipeline's Glue crawler over the raw feed, kept in code."""

from __future__ import annotations

from typing import Any

from pipelines.settings import Settings
from pipelines.traffic.tables import RAW_PREFIX

CRAWLER_SUFFIX = "traffic-raw"


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
