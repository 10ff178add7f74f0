"""The download DAG's logic: Lambda events for a day's pages, and the completeness check.

Kept out of the DAG file so it is unit-tested without Airflow running.
"""

from __future__ import annotations

import json
import math
from typing import Any

from pipelines.settings import Settings
from pipelines.vehicle_api.batching import page_requests

# The downloader Lambda's timeout (deploy/vehicle_api_lambda.py deploys it with this value).
DOWNLOADER_TIMEOUT_SECONDS = 300


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


def remaining_page_events(first: dict[str, Any], settings: Settings) -> list[dict[str, Any]]:
    """Events for pages 2..N after page 1 answered, batched to at most ``vehicle_api_max_tasks``."""
    pages = total_pages(first["total_records"], settings.vehicle_api_page_size)
    events = page_requests(
        first["endpoint"],
        first["date"],
        pages,
        settings.vehicle_api_page_size,
        settings.raw_bucket,
        max_tasks=settings.vehicle_api_max_tasks,
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
    Returns the asset event's extra ``{"endpoint", "date", "records", "rejected", "pages"}``;
    raises naming the missing pages otherwise.
    """
    endpoint, day, expected = first["endpoint"], first["date"], first["total_records"]
    written: dict[int, tuple[int, int]] = {}
    for answer in [first, *rest]:
        for item in answer["pages"]:
            if item["page"] in written:
                raise IncompleteDownloadError(f"{endpoint} {day}: page {item['page']} was written twice")
            written[item["page"]] = (item["records"], item["rejected"])
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
    return {"endpoint": endpoint, "date": day, "records": records, "rejected": rejected, "pages": len(written)}


def _ranges(pages: list[int]) -> str:
    """``[2, 3, 4, 9]`` -> ``"2-4, 9"``: a readable list however many pages failed."""
    spans: list[list[int]] = []
    for page in pages:
        if spans and page == spans[-1][1] + 1:
            spans[-1][1] = page
        else:
            spans.append([page, page])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)
