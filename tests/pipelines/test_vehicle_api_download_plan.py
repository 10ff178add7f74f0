import dataclasses

import pytest

from pipelines.settings import load
from pipelines.vehicle_api.download import IncompleteDownloadError, completeness, remaining_page_events

SETTINGS = dataclasses.replace(load({}), vehicle_api_page_size=100, vehicle_api_max_tasks=3)


def answer(pages: list[int], total: int, per_page: int = 100, rejected: int = 0) -> dict:
    """The Lambda's answer for ``pages``; the first page holds ``rejected`` of its records as rejects."""
    items = []
    for p in pages:
        on_page = min(per_page, total - (p - 1) * per_page)
        bad = rejected if p == 1 else 0
        items.append({"page": p, "key": f"k{p}", "records": on_page - bad, "rejected": bad})
    return {
        "endpoint": "sensor-data",
        "date": "2026-03-01",
        "pages": items,
        "records": sum(i["records"] for i in items),
        "rejected": rejected,
        "total_records": total,
    }


def test_remaining_pages_are_batched_to_the_task_limit_without_page_one():
    events = remaining_page_events(answer([1], 950), SETTINGS)
    assert [e["pages"] for e in events] == [[2, 3, 4], [5, 6, 7], [8, 9, 10]]
    assert {e["bucket"] for e in events} == {SETTINGS.raw_bucket}
    assert {(e["endpoint"], e["date"], e["page_size"]) for e in events} == {("sensor-data", "2026-03-01", 100)}


def test_a_day_of_one_page_or_none_needs_no_more_requests():
    assert remaining_page_events(answer([1], 100), SETTINGS) == []
    assert remaining_page_events(answer([1], 0), SETTINGS) == []


def test_complete_download_summarises_the_day():
    first = answer([1], 250)
    rest = [answer([2], 250), answer([3], 250)]
    assert completeness(first, rest, 100) == {
        "endpoint": "sensor-data",
        "date": "2026-03-01",
        "records": 250,
        "rejected": 0,
        "pages": 3,
    }


def test_rejected_records_count_towards_the_total_and_are_reported():
    first = answer([1], 250, rejected=7)
    summary = completeness(first, [answer([2], 250), answer([3], 250)], 100)
    assert (summary["records"], summary["rejected"]) == (243, 7)


def test_zero_records_is_a_complete_day():
    assert completeness(answer([1], 0), [], 100)["records"] == 0


def test_missing_pages_are_named_as_ranges():
    first = answer([1], 1000)
    rest = [answer([2, 3], 1000), answer([7], 1000)]
    with pytest.raises(IncompleteDownloadError, match=r"6 of 10 pages missing: 4-6, 8-10; 6 not in S3: 4-6, 8-10$"):
        completeness(first, rest, 100)


def test_pages_a_failed_batch_wrote_before_failing_are_reported_as_such():
    """A batch of pages 2-10 fails at page 6: 2-5 are in S3, but no answer confirms them."""
    first = answer([1], 1000)
    message = r"9 of 10 pages missing: 2-10; 5 not in S3: 6-10; 4 written by a download that then failed: 2-5$"
    with pytest.raises(IncompleteDownloadError, match=message):
        completeness(first, [], 100, pages_in_s3={1, 2, 3, 4, 5})


def test_records_short_of_the_api_total_fail():
    first = answer([1], 150)
    short = {**answer([2], 150), "pages": [{"page": 2, "key": "k2", "records": 49, "rejected": 0}]}
    with pytest.raises(IncompleteDownloadError, match="149 records written and 0 rejected, the API reported 150"):
        completeness(first, [short], 100)
