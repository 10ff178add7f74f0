"""The check of a run's arrival hours (its attempt at travel_times) against the Glue job's report."""

from __future__ import annotations

import logging
from typing import Any

from pipelines.athena_results import all_rows
from pipelines.run_ledger import LEDGER_KEY, Counts, ledger_counts
from pipelines.uber_movement.tables import JOB, TABLE, arrival_hour

log = logging.getLogger(__name__)


class ArrivalCheckError(Exception):
    """An hour does not hold the rows the job wrote, or a replay_id is there twice."""


def verify_hours(figures: list[dict[str, Any]], report: dict[str, Any], hours: list[str], found: str) -> dict:
    """``figures``: the check query's rows (one per hour the attempt holds); ``report``: the job's
    last run's; ``found``: the attempt the find task found. Returns what the run publishes; raises
    naming every problem."""
    problems = []
    if sorted(report["hours"]) != sorted(hours):
        problems.append(f"the job typed hours {sorted(report['hours'])}, the run asked for {sorted(hours)}")
    written = any(h["rows"] for h in report["hours"].values())
    if (written and found != report["attempt"]) or (not written and not found.endswith("-0")):
        problems.append(f"the attempt found ({found}) is not the job's last run's ({report['attempt']})")
    by_hour = {row["arrival_hour"]: row for row in figures}
    for hour in sorted(set(by_hour) - set(hours)):
        problems.append(f"the attempt holds hour {hour}, which the run did not type")
    for hour in hours:
        row = by_hour.get(hour, {"row_count": 0, "distinct_replay_ids": 0, "published_elsewhere": 0})
        rows, distinct, elsewhere = (int(row[k]) for k in ("row_count", "distinct_replay_ids", "published_elsewhere"))
        expected = report["hours"].get(hour, {}).get("rows", 0)
        if rows != expected:
            problems.append(f"{hour} holds {rows} rows, the job wrote {expected}")
        if distinct != rows:
            problems.append(f"{hour} holds {rows - distinct} replay_ids more than once")
        if elsewhere:
            problems.append(f"{hour} holds {elsewhere} replay_ids already published in another hour")
    if problems:
        raise ArrivalCheckError("; ".join(problems))
    typed = report["hours"].values()
    rejected = Counts.merged({"read": 0, "rejected": h["rejected_by_reason"], "published": {}} for h in typed).rejected
    counts = ledger_counts(read=sum(h["lines"] for h in typed), rejected=rejected,
                           published={TABLE: sum(h["rows"] for h in typed)})  # fmt: skip
    return {"attempt": report["attempt"], "hours": report["hours"], LEDGER_KEY: counts}


def check_hours(results: dict[str, Any], run: Any) -> dict:
    """The ``check_hours`` task's verify function (pipelines.recipe): the check query's rows
    against the report of the run's last job try."""
    hours = [arrival_hour(hour) for hour in run.target]
    checked = verify_hours(all_rows(results), JOB.report(run.dag_run), hours, run.attempt(TABLE))
    for hour, figures in checked["hours"].items():
        log.info("arrival hour %s: %s", hour, figures)
    return checked
