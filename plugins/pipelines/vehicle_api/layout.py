"""Where downloaded pages land in S3: deterministic keys, so a retried page overwrites itself.

A page's rejected records (``client.record_problem``) go to the quarantine beside the raw
partitions, under a folder whose leading ``_`` Hive and Athena skip."""

from __future__ import annotations

import re
from datetime import date

from pipelines.vehicle_api.contract import check_endpoint, parse_day

DEFAULT_PREFIX = "vehicle_api"
MAX_PAGE = 99_999  # five digits keep the keys' lexical order equal to page order
_PAGE_NAME = re.compile(r"/page-(\d{5})\.jsonl$")


def day_prefix(endpoint: str, day: date | str, prefix: str = DEFAULT_PREFIX) -> str:
    """``<prefix>/<endpoint>/creation_date=YYYY-MM-DD/``: one Hive-style partition per day."""
    return f"{prefix.strip('/')}/{check_endpoint(endpoint)}/creation_date={parse_day(day).isoformat()}/"


def page_key(endpoint: str, day: date | str, page: int, prefix: str = DEFAULT_PREFIX) -> str:
    """``vehicle_api/<endpoint>/creation_date=YYYY-MM-DD/page-NNNNN.jsonl``."""
    if isinstance(page, bool) or not isinstance(page, int) or not 1 <= page <= MAX_PAGE:
        raise ValueError(f"page must be an integer within 1..{MAX_PAGE}, got {page!r}")
    return f"{day_prefix(endpoint, day, prefix)}page-{page:05d}.jsonl"


def quarantine_prefix(endpoint: str, day: date | str, prefix: str = DEFAULT_PREFIX) -> str:
    """``vehicle_api/_quarantine/<endpoint>/creation_date=YYYY-MM-DD/``."""
    return day_prefix(endpoint, day, f"{prefix.strip('/')}/_quarantine")


def quarantine_key(endpoint: str, day: date | str, page: int, prefix: str = DEFAULT_PREFIX) -> str:
    """``<quarantine_prefix>page-NNNNN.jsonl``: one line per rejected record of that page,
    ``{"page", "index", "reason", "record"}``."""
    return page_key(endpoint, day, page, f"{prefix.strip('/')}/_quarantine")


def page_number(key: str) -> int:
    """The page a page or quarantine key names; 0 for any other key."""
    found = _PAGE_NAME.search(key)
    return int(found.group(1)) if found else 0
