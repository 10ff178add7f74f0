import dataclasses

import pytest

from pipelines.settings import load
from pipelines.vehicle_api.download import IncompleteDownloadError, completeness, remaining_page_events

SETTINGS = dataclasses.replace(load({}), vehicle_api_page_size=100, vehicle_api_max_tasks=3)


def answer(pages: list[int], total: int, per_page: int = 100) -> dict:
    return {
        "endpoint": "sensor-data",
        "date": "2026-03-01",
        "pages": [{"page": p, "key": f"k{p}", "records": min(per_page, total - (p - 1) * per_page)} for p in pages],
        "records": 0,
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
        "pages": 3,
    }


def test_zero_records_is_a_complete_day():
    assert completeness(answer([1], 0), [], 100)["records"] == 0


def test_missing_pages_are_named_as_ranges():
    first = answer([1], 1000)
    rest = [answer([2, 3], 1000), answer([7], 1000)]
    with pytest.raises(IncompleteDownloadError, match=r"6 of 10 pages missing: 4-6, 8-10"):
        completeness(first, rest, 100)


def test_records_short_of_the_api_total_fail():
    first = answer([1], 150)
    short = {**answer([2], 150), "pages": [{"page": 2, "key": "k2", "records": 49}]}
    with pytest.raises(IncompleteDownloadError, match="149 records written, the API reported 150"):
        completeness(first, [short], 100)
