"""The vehicle API's days in the raw bucket, as the DAGs' tasks read and publish them (through
the provider's S3 hook; called in tasks only, never at parse time)."""

from __future__ import annotations

from typing import Any

from airflow.providers.amazon.aws.hooks.s3 import S3Hook

from pipelines.settings import SETTINGS
from pipelines.vehicle_api.layout import day_prefix, page_number, quarantine_prefix
from pipelines.vehicle_api.manifests import manifest, manifest_key, stale_pages, stale_quarantine


def _s3() -> S3Hook:
    return S3Hook(aws_conn_id=SETTINGS.aws_conn_id)


def read_raw(key: str) -> str | None:
    """An object of the raw bucket, or None."""
    s3 = _s3()
    return s3.read_key(key, SETTINGS.raw_bucket) if s3.check_for_key(key, SETTINGS.raw_bucket) else None


def pages_in_s3(endpoint: str, day: str) -> set[int]:
    """The page numbers of the day's raw partition."""
    return {page_number(key) for key in _s3().list_keys(SETTINGS.raw_bucket, prefix=day_prefix(endpoint, day)) or []}


def publish_day(summary: dict[str, Any], run_id: str) -> None:
    """Make a checked download visible to processing: the pages (and quarantined records) no
    longer part of it go, then its completion manifest is written."""
    s3 = _s3()
    endpoint, day = summary["endpoint"], summary["date"]
    stale = stale_pages(summary, s3.list_keys(SETTINGS.raw_bucket, prefix=day_prefix(endpoint, day)) or [])
    quarantined = s3.list_keys(SETTINGS.raw_bucket, prefix=quarantine_prefix(endpoint, day)) or []
    stale += stale_quarantine(summary, quarantined)
    if stale:
        s3.delete_objects(SETTINGS.raw_bucket, stale)
    s3.load_string(manifest(summary, run_id), manifest_key(endpoint, day), SETTINGS.raw_bucket, replace=True)
