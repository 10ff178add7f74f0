"""The check of a processed traffic day before it is published."""

from __future__ import annotations

import logging
from typing import Any

from pipelines.athena_results import first_row
from pipelines.run_ledger import LEDGER_KEY, ledger_counts
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


def rejected_by_reason(text: str | int) -> dict[str, int]:
    """The check query's ``kind=n|kind=n`` (0: NULL, no reject) as ``{kind: n}``."""
    if not text:
        return {}
    return {kind: int(n) for kind, _, n in (item.rpartition("=") for item in str(text).split("|"))}


def check_day(results: dict[str, Any], run: Any) -> dict[str, Any]:
    """The ``check_day`` task's verify function (pipelines.recipe): the check query's answer for
    the run's day, with the ledger's counts; logs how many raw records of its arrival hours were
    rejected."""
    row = first_row(results)
    reasons = rejected_by_reason(row.pop("rejected_by_reason"))
    figures = verify_day(row, run.target)
    log.info(
        "%s %s: %d rows checked; %d raw records of its arrival hours rejected, kept in %s.%s",
        PROCESSED_TABLE, run.target, figures["row_count"], figures["rejected_records"],
        SETTINGS.lake_database, REJECTS_TABLE,
    )  # fmt: skip
    # The quarantine (REJECTS_TABLE) is published too, but counted as rejected, not as published rows.
    counts = ledger_counts(
        read=figures["records_read"], rejected=reasons, published={PROCESSED_TABLE: figures["row_count"]}
    )
    return {**figures, LEDGER_KEY: counts}
