"""The check of a processed traffic day before it is published."""

from __future__ import annotations

from pipelines.traffic.tables import PROCESSED_TABLE


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
