"""The check of an hour's aggregates (their attempts) against the Glue job's report."""

from __future__ import annotations

import logging
from typing import Any

from pipelines.athena_results import first_row
from pipelines.run_ledger import LEDGER_KEY, ledger_counts
from pipelines.web_hits.tables import AGGREGATES, JOB

log = logging.getLogger(__name__)


class HourCheckError(Exception):
    """An aggregate does not add up to the hits the job counted, or repeats a key."""


def verify_hour(figures: dict[str, int], report: dict[str, Any], found: set[str]) -> dict[str, Any]:
    """``figures``: the check query's row; ``report``: the job's last run's; ``found``: the
    attempts the find tasks found (the report's, or none at all for an hour without hits).
    Returns what the run publishes; raises naming every problem."""
    problems = []
    expected = {report["attempt"]} if report["hits_counted"] else {name for name in found if name.endswith("-0")}
    if found != expected:
        problems.append(f"the attempts found {sorted(found)} are not the job's last run's ({report['attempt']})")
    accounted = report["hits_from_hour_folder"] + report["lines_of_other_hours"] + report["rejected"]
    if accounted != report["lines_in_hour_folder"]:
        problems.append(
            f"the hour's folder has {report['lines_in_hour_folder']} lines but {report['hits_from_hour_folder']} hits,"
            f" {report['lines_of_other_hours']} lines of other hours and {report['rejected']} rejected ones"
            " account for them: a line was lost or counted twice"
        )
    if sum(report["rejected_by_reason"].values()) != report["rejected"]:
        problems.append(f"rejected {report['rejected']} lines but the reasons add up to {report['rejected_by_reason']}")
    for table in AGGREGATES:
        hits, rows, duplicated = (figures[f"{table}_{name}"] for name in ("hits", "rows", "duplicated_keys"))
        if hits != report["hits_counted"]:
            problems.append(f"{table} counts {hits} hits, the job counted {report['hits_counted']}")
        if rows != report["rows"][table]:
            problems.append(f"{table} has {rows} rows, the job wrote {report['rows'][table]}")
        if duplicated:
            problems.append(f"{table} has {duplicated} keys more than once")
    if problems:
        raise HourCheckError(f"hour {report['hour']}: " + "; ".join(problems))
    return {
        "hour": report["hour"],
        "hits_counted": report["hits_counted"],
        "rejected": report["rejected"],
        "rejected_by_reason": report["rejected_by_reason"],
        "rows": report["rows"],
        "bytes_read": report["bytes_read"],
        LEDGER_KEY: ledger_counts(
            read=report["lines_in_hour_folder"], rejected=report["rejected_by_reason"], published=report["rows"]
        ),
    }


def check_hour(results: dict[str, Any], run: Any) -> dict[str, Any]:
    """The ``check_hour`` task's verify function (pipelines.recipe): the check query's answer
    against the report of the run's last job try."""
    found = {run.attempt(table) for table in AGGREGATES}
    checked = verify_hour(first_row(results), JOB.report(run.dag_run), found)
    log.info(
        "hour %s: %d hits counted, %d lines rejected %s, rows %s",
        checked["hour"], checked["hits_counted"], checked["rejected"], checked["rejected_by_reason"], checked["rows"],
    )  # fmt: skip
    return checked
