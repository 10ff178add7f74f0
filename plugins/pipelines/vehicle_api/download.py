"""The download DAG's logic: Lambda events for a day's pages, and the completeness check.

Kept out of the DAG file so it is unit-tested without Airflow running.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from typing import Any

from pipelines.run_ledger import LEDGER_KEY, ledger_counts
from pipelines.settings import Settings
from pipelines.vehicle_api.batching import page_requests
from pipelines.vehicle_api.tables import RAW_TABLES

# The downloader Lambda's timeout (deploy/vehicle_api_lambda.py deploys it with this value).
DOWNLOADER_TIMEOUT_SECONDS = 300
# An invocation is planned to use at most this share of its timeout: the client's retries with
# backoff and the API's 429 waits take the rest.
PLANNED_SHARE_OF_TIMEOUT = 0.5
MAX_MAP_LENGTH = 1024  # Airflow's [core] max_map_length (MWAA keeps the default)


class IncompleteDownloadError(Exception):
    """Pages missing or records short: the day must not be published."""


def first_page_event(endpoint: str, day: str, settings: Settings) -> str:
    """The Lambda event for page 1 (``day`` may be a Jinja template the operator renders)."""
    return json.dumps(
        {
            "endpoint": endpoint,
            "date": day,
            "pages": [1],
            "page_size": settings.vehicle_api_page_size,
            "bucket": settings.raw_bucket,
        }
    )


def total_pages(total_records: int, page_size: int) -> int:
    return math.ceil(total_records / page_size)


def pages_per_invocation(settings: Settings) -> int:
    """Pages one downloader invocation fetches within its planned share of the timeout: a page
    takes ``vehicle_api_page_seconds``, or, with every pool slot downloading at once, the slot's
    share of the API's rate limit, whichever is longer."""
    seconds_per_page = max(
        settings.vehicle_api_page_seconds, settings.vehicle_api_pool_slots / settings.vehicle_api_rate_limit
    )
    pages = int(DOWNLOADER_TIMEOUT_SECONDS * PLANNED_SHARE_OF_TIMEOUT // seconds_per_page)
    if pages < 1:
        raise ValueError(
            f"one page takes {seconds_per_page:g} s, more than {PLANNED_SHARE_OF_TIMEOUT:.0%} of the downloader's "
            f"{DOWNLOADER_TIMEOUT_SECONDS} s timeout: lower PIPELINES_VEHICLE_API_PAGE_SIZE or the pool's slots"
        )
    return pages


def remaining_page_events(first: dict[str, Any], settings: Settings) -> list[dict[str, Any]]:
    """Events for pages 2..N after page 1 answered, in batches one invocation finishes within its
    timeout (``pages_per_invocation``); more batches than Airflow maps fail before any download."""
    pages = total_pages(first["total_records"], settings.vehicle_api_page_size)
    per_invocation = pages_per_invocation(settings)
    invocations = math.ceil(pages / per_invocation)
    if invocations > MAX_MAP_LENGTH:
        raise ValueError(
            f"{first['endpoint']} {first['date']}: {pages} pages need {invocations} downloads of {per_invocation} "
            f"pages, more than Airflow maps ({MAX_MAP_LENGTH}): raise PIPELINES_VEHICLE_API_PAGE_SIZE"
        )
    events = page_requests(
        first["endpoint"],
        first["date"],
        pages,
        settings.vehicle_api_page_size,
        settings.raw_bucket,
        max_tasks=max(1, invocations),
    )
    # Page 1 is already in S3; drop it from the first batch.
    remaining = []
    for event in events:
        rest = [page for page in event["pages"] if page != 1]
        if rest:
            remaining.append({**event, "pages": rest})
    return remaining


def completeness(
    first: dict[str, Any], rest: list[dict[str, Any]], page_size: int, pages_in_s3: set[int] | None = None
) -> dict[str, Any]:
    """Check that every page 1..N was written once and the records written plus those rejected
    (kept in the quarantine) add up to the API's total.

    ``first`` and ``rest`` are the Lambda's answers (a failed download has no answer, though it
    may have written some of its pages: ``pages_in_s3`` are the page numbers found in S3).
    Returns the asset event's extra ``{"endpoint", "date", "records", "rejected",
    "rejected_by_reason", "pages"}``; raises naming the missing pages otherwise.
    """
    endpoint, day, expected = first["endpoint"], first["date"], first["total_records"]
    written: dict[int, tuple[int, int]] = {}
    reasons: Counter[str] = Counter()
    for answer in [first, *rest]:
        for item in answer["pages"]:
            if item["page"] in written:
                raise IncompleteDownloadError(f"{endpoint} {day}: page {item['page']} was written twice")
            written[item["page"]] = (item["records"], item["rejected"])
            reasons.update(item.get("rejected_by_reason", {}))
    wanted = set(range(1, max(1, total_pages(expected, page_size)) + 1))
    missing = sorted(wanted - set(written))
    if missing:
        unconfirmed = sorted(set(missing) & (pages_in_s3 or set()))
        absent = sorted(set(missing) - set(unconfirmed))
        detail = f"; {len(absent)} not in S3: {_ranges(absent)}" if absent else "; none absent from S3"
        if unconfirmed:
            detail += f"; {len(unconfirmed)} written by a download that then failed: {_ranges(unconfirmed)}"
        raise IncompleteDownloadError(
            f"{endpoint} {day}: {len(missing)} of {len(wanted)} pages missing: {_ranges(missing)}{detail}"
        )
    records = sum(good for good, _ in written.values())
    rejected = sum(bad for _, bad in written.values())
    if records + rejected != expected:
        raise IncompleteDownloadError(
            f"{endpoint} {day}: {records} records written and {rejected} rejected, the API reported {expected}"
        )
    return {
        "endpoint": endpoint, "date": day, "records": records, "rejected": rejected,
        "rejected_by_reason": dict(sorted(reasons.items())), "pages": len(written),
    }  # fmt: skip


def published_day(summary: dict[str, Any]) -> dict[str, Any]:
    """What the publish task returns: the day's summary, with the run ledger's counts (the
    records written to the endpoint's raw table, the rejected ones per reason)."""
    counts = ledger_counts(
        read=summary["records"] + summary["rejected"],
        rejected=summary["rejected_by_reason"],
        published={RAW_TABLES[summary["endpoint"]]: summary["records"]},
    )
    return {**summary, LEDGER_KEY: counts}


def _ranges(pages: list[int]) -> str:
    """``[2, 3, 4, 9]`` -> ``"2-4, 9"``: a readable list however many pages failed."""
    spans: list[list[int]] = []
    for page in pages:
        if spans and page == spans[-1][1] + 1:
            spans[-1][1] = page
        else:
            spans.append([page, page])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)
