"""Where downloaded pages land in S3: deterministic keys, so a retried page overwrites itself."""

from __future__ import annotations

from datetime import date

from pipelines.vehicle_api.contract import check_endpoint, parse_day

DEFAULT_PREFIX = "vehicle_api"
MAX_PAGE = 99_999  # five digits keep the keys' lexical order equal to page order


def day_prefix(endpoint: str, day: date | str, prefix: str = DEFAULT_PREFIX) -> str:
    """``<prefix>/<endpoint>/creation_date=YYYY-MM-DD/``: one Hive-style partition per day."""
    return f"{prefix.strip('/')}/{check_endpoint(endpoint)}/creation_date={parse_day(day).isoformat()}/"


def page_key(endpoint: str, day: date | str, page: int, prefix: str = DEFAULT_PREFIX) -> str:
    """``vehicle_api/<endpoint>/creation_date=YYYY-MM-DD/page-NNNNN.jsonl``."""
    if isinstance(page, bool) or not isinstance(page, int) or not 1 <= page <= MAX_PAGE:
        raise ValueError(f"page must be an integer within 1..{MAX_PAGE}, got {page!r}")
    return f"{day_prefix(endpoint, day, prefix)}page-{page:05d}.jsonl"
