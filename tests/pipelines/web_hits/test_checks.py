"""The check of an hour's attempts against the web hits Glue job's report."""

from __future__ import annotations

import pytest

from pipelines.web_hits.checks import HourCheckError, verify_hour

TABLES = ("hits_by_country", "hits_by_domain_and_groupid", "hits_by_useragent")


def report(**changes: object) -> dict:
    figures = {
        "hour": "2024-07-02T08",
        "attempt": "run-1",
        "lines_in_hour_folder": 7,
        "hits_counted": 5,
        "hits_from_hour_folder": 4,
        "lines_of_other_hours": 1,
        "rejected": 2,
        "rejected_by_reason": {"not UTF-8 text": 2},
        "rows": {table: 3 for table in TABLES},
        "bytes_read": 900,
    }
    return {**figures, **changes}


def figures(hits: int = 5, rows: int = 3, duplicated: int = 0) -> dict[str, int]:
    names = {"hits": hits, "rows": rows, "duplicated_keys": duplicated}
    return {f"{table}_{name}": value for table in TABLES for name, value in names.items()}


def test_an_hour_whose_every_line_is_accounted_for_once_passes():
    checked = verify_hour(figures(), report(), {"run-1"})
    assert (checked["hits_counted"], checked["rejected"], checked["rejected_by_reason"]) == (
        5,
        2,
        {"not UTF-8 text": 2},
    )


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"lines_in_hour_folder": 9}, "has 9 lines but 4 hits, 1 lines of other hours and 2 rejected ones"),
        ({"hits_from_hour_folder": 5}, "has 7 lines but 5 hits, 1 lines of other hours and 2 rejected ones"),
        ({"rejected_by_reason": {"not UTF-8 text": 1}}, "rejected 2 lines but the reasons add up to"),
    ],
)
def test_a_line_lost_or_counted_twice_fails_the_hour_naming_the_figures(changes, problem):
    with pytest.raises(HourCheckError, match=problem):
        verify_hour(figures(), report(**changes), {"run-1"})


def test_an_aggregate_that_does_not_add_up_is_named():
    with pytest.raises(HourCheckError, match="hits_by_country counts 4 hits, the job counted 5"):
        verify_hour({**figures(), "hits_by_country_hits": 4}, report(), {"run-1"})
