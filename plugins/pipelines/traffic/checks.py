"""The check of a processed traffic day before it is published."""

from __future__ import annotations

import logging
from typing import Any

from pipelines.athena_results import first_row
from pipelines.settings import SETTINGS
from pipelines.traffic.tables import PROCESSED_TABLE, REJECTS_TABLE

log = logging.getLogger(__name__)


class ProcessedDayError(Exception):
    """The processed day is empty, or has duplicate keys or out-of-domain indicators."""


def verify_day(figures: dict[str, int], day: str) -> dict[str, int]:
    """The check query's figures if the attempt may be published; raises naming every problem."""
    problems = []
    if figures["row_count"] == 0:
        problems.append("no rows: the raw feed had no valid record for the day")
    if figures["duplicated_keys"]:
        problems.append(f"{figures['duplicated_keys']} (uniqueid, recordtimestamp) keys appear more than once")
    if figures["invalid_rows"]:
        problems.append(f"{figures['invalid_rows']} rows have indicator values outside their domain")
    if problems:
        raise ProcessedDayError(f"{PROCESSED_TABLE} {day}: " + "; ".join(problems))
    return figures


def check_day(results: dict[str, Any], run: Any) -> dict[str, int]:
    """The ``check_day`` task's verify function (pipelines.recipe): the check query's answer for
    the run's day; logs how many raw records of its arrival hours were rejected."""
    figures = verify_day(first_row(results), run.target)
    log.info(
        "%s %s: %d rows checked; %d raw records of its arrival hours rejected, kept in %s.%s",
        PROCESSED_TABLE, run.target, figures["row_count"], figures["rejected_records"],
        SETTINGS.lake_database, REJECTS_TABLE,
    )  # fmt: skip
    return figures
