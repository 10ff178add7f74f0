"""Page requests for the downloader Lambda: one per page, or contiguous batches when there are too many.

Airflow refuses to map more than ``[core] max_map_length`` task instances (1024 by default),
so ``page_batches`` cuts 1..total_pages into at most ``max_tasks`` contiguous ranges of
near-equal size (sizes differ by at most one page).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pipelines.vehicle_api.contract import check_endpoint, check_page, parse_day
from pipelines.vehicle_api.layout import DEFAULT_PREFIX, MAX_PAGE


def page_batches(total_pages: int, max_tasks: int, min_batch: int = 1) -> list[list[int]]:
    """Pages 1..total_pages in contiguous batches: at most ``max_tasks`` of them, each with at
    least ``min_batch`` pages (except when there are fewer pages than that). Zero pages: no batch.
    """
    if isinstance(total_pages, bool) or not isinstance(total_pages, int) or not 0 <= total_pages <= MAX_PAGE:
        raise ValueError(f"total_pages must be an integer within 0..{MAX_PAGE}, got {total_pages!r}")
    if max_tasks < 1 or min_batch < 1:
        raise ValueError("max_tasks and min_batch must be >= 1")
    if total_pages == 0:
        return []
    count = min(max_tasks, max(1, total_pages // min_batch))
    size, extra = divmod(total_pages, count)
    batches, first = [], 1
    for index in range(count):
        length = size + (1 if index < extra else 0)
        batches.append(list(range(first, first + length)))
        first += length
    return batches


def page_requests(
    endpoint: str,
    day: date | str,
    total_pages: int,
    page_size: int,
    bucket: str,
    *,
    max_tasks: int,
    min_batch: int = 1,
    prefix: str = DEFAULT_PREFIX,
) -> list[dict[str, Any]]:
    """The downloader Lambda's events for one endpoint and day, one per batch of pages."""
    check_endpoint(endpoint)
    check_page(1, page_size)
    day_text = parse_day(day).isoformat()
    return [
        {
            "endpoint": endpoint,
            "date": day_text,
            "pages": pages,
            "page_size": page_size,
            "bucket": bucket,
            "prefix": prefix,
        }
        for pages in page_batches(total_pages, max_tasks, min_batch)
    ]
