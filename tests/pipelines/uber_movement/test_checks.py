"""The check of a run's attempt at travel_times against the Glue job's report."""

from __future__ import annotations

import pytest

from pipelines.uber_movement.checks import ArrivalCheckError, verify_hours

HOURS = ["2026-03-02-00", "2026-03-02-01"]


def report(rows_a: int, rows_b: int) -> dict:
    """The job's report: each hour's lines are its rows, one rejected line and one duplicate."""
    return {"attempt": "run-2", "hours": {
        hour: {"rows": rows, "lines": rows + 2, "rejected": 1, "rejected_by_reason": {"missing replay_id": 1}}
        for hour, rows in zip(HOURS, (rows_a, rows_b), strict=True)
    }}  # fmt: skip


def figure(hour: str, rows: int, distinct: int | None = None, elsewhere: int = 0) -> dict:
    return {"arrival_hour": hour, "row_count": str(rows), "distinct_replay_ids": str(distinct if distinct is not None else rows),
            "published_elsewhere": str(elsewhere)}  # fmt: skip


def test_an_attempt_that_holds_what_the_job_wrote_passes():
    checked = verify_hours([figure(HOURS[0], 5)], report(5, 0), HOURS, "run-2")
    assert checked == {
        "attempt": "run-2",
        "hours": report(5, 0)["hours"],
        "ledger": {"read": 9, "rejected": {"missing replay_id": 2}, "published": {"travel_times": 5}},
    }
    assert verify_hours([], report(0, 0), HOURS, "run-0")["attempt"] == "run-2"  # nothing typed: no attempt


@pytest.mark.parametrize(
    ("figures", "found", "problem"),
    [
        ([figure(HOURS[0], 4)], "run-2", "2026-03-02-00 holds 4 rows, the job wrote 5"),
        ([figure(HOURS[0], 5, distinct=4)], "run-2", "2026-03-02-00 holds 1 replay_ids more than once"),
        ([figure(HOURS[0], 5, elsewhere=2)], "run-2", "holds 2 replay_ids already published in another hour"),
        ([figure(HOURS[0], 5)], "run-1", "the attempt found (run-1) is not the job's last run's (run-2)"),
        ([figure(HOURS[0], 5), figure("2026-03-01-00", 1)], "run-2", "holds hour 2026-03-01-00, which the run did not"),
    ],
)
def test_every_problem_is_named(figures, found, problem):
    with pytest.raises(ArrivalCheckError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        verify_hours(figures, report(5, 0), HOURS, found)
