import dataclasses

import pytest

from pipelines.settings import load
from pipelines.vehicle_api.download import (
    DOWNLOADER_TIMEOUT_SECONDS,
    IncompleteDownloadError,
    completeness,
    pages_per_invocation,
    published_day,
    remaining_page_events,
)

# 50 s a page: 3 pages to an invocation of the 300 s downloader (half its timeout planned).
SETTINGS = dataclasses.replace(load({}), vehicle_api_page_size=100, vehicle_api_page_seconds=50.0)


def answer(pages: list[int], total: int, per_page: int = 100, rejected: int = 0) -> dict:
    """The Lambda's answer for ``pages``; the first page holds ``rejected`` of its records as rejects."""
    items = []
    for p in pages:
        on_page = min(per_page, total - (p - 1) * per_page)
        bad = rejected if p == 1 else 0
        reasons = {"record has no vehicle_id": bad} if bad else {}
        items.append(
            {"page": p, "key": f"k{p}", "records": on_page - bad, "rejected": bad, "rejected_by_reason": reasons}
        )
    return {
        "endpoint": "sensor-data",
        "date": "2026-03-01",
        "pages": items,
        "records": sum(i["records"] for i in items),
        "rejected": rejected,
        "total_records": total,
    }


def test_remaining_pages_are_batched_to_what_an_invocation_finishes_without_page_one():
    events = remaining_page_events(answer([1], 950), SETTINGS)
    assert [e["pages"] for e in events] == [[2, 3], [4, 5, 6], [7, 8], [9, 10]]
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
        "rejected_by_reason": {},
        "pages": 3,
    }


def test_rejected_records_count_towards_the_total_and_are_reported():
    first = answer([1], 250, rejected=7)
    summary = completeness(first, [answer([2], 250), answer([3], 250)], 100)
    assert (summary["records"], summary["rejected"]) == (243, 7)
    assert summary["rejected_by_reason"] == {"record has no vehicle_id": 7}
    assert published_day(summary)["ledger"] == {
        "read": 250, "rejected": {"record has no vehicle_id": 7}, "published": {"vehicle_api_sensor_data": 243}
    }  # fmt: skip


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


def test_a_day_of_2000_pages_at_the_apis_rate_limit_fits_every_invocation_in_its_timeout():
    """Before: 4 batches of ~500 pages whatever the day, each timing out at the rate limit."""
    settings = dataclasses.replace(
        load({}), vehicle_api_page_size=50_000, vehicle_api_rate_limit=2.0, vehicle_api_page_seconds=2.0
    )
    per_invocation = pages_per_invocation(settings)
    assert per_invocation == 37  # 8 slots share 2 requests/s: 4 s a page, 150 s planned of 300
    events = remaining_page_events(answer([1], 2000 * 50_000, per_page=50_000), settings)
    pages = [p for e in events for p in e["pages"]]
    assert pages == list(range(2, 2001)) and len(events) == 55
    slowest = max(len(e["pages"]) for e in events) * settings.vehicle_api_pool_slots / settings.vehicle_api_rate_limit
    assert slowest <= DOWNLOADER_TIMEOUT_SECONDS / 2


def test_a_day_too_big_to_map_or_a_page_too_slow_fails_with_a_clear_message():
    big = dataclasses.replace(load({}), vehicle_api_page_size=1, vehicle_api_page_seconds=150.0)
    with pytest.raises(ValueError, match=r"5000 pages need 5000 downloads of 1 pages, more than Airflow maps \(1024\)"):
        remaining_page_events(answer([1], 5000, per_page=1), big)
    slow = dataclasses.replace(load({}), vehicle_api_page_seconds=151.0)
    with pytest.raises(ValueError, match="one page takes 151 s, more than 50% of the downloader's 300 s timeout"):
        pages_per_invocation(slow)
