"""The processing DAG's checks: the partitions its statements will write (before any runs),
and, at the end, the consistency figures of its output."""

from __future__ import annotations

from typing import Any

from pipelines.athena_results import first_row
from pipelines.run_ledger import LEDGER_KEY, ledger_counts
from pipelines.vehicle_api.manifests import complete_days
from pipelines.vehicle_api.raw_days import read_raw
from pipelines.vehicle_api.tables import TABLES

# Athena writes at most 100 partitions per CTAS / INSERT INTO (HIVE_TOO_MANY_OPEN_PARTITIONS).
MAX_PARTITIONS_PER_STATEMENT = 100


class ResultCheckError(Exception):
    """The processed tables are empty or inconsistent."""


class PartitionBudgetError(Exception):
    """A statement of the run would write more partitions than Athena allows."""


def partition_budget(results: dict[str, Any], dates: list[str]) -> dict[str, int]:
    """The most partitions each INSERT of the run writes, from the budget query's row; fails,
    before any INSERT runs, when one would exceed Athena's limit, naming how many dates fit."""
    figures = first_row(results)
    types = figures["vehicle_types"] + 1  # and 'unknown', for measurements of unlisted vehicles
    days = max(figures["measurement_days"], len(dates))
    writes = {"vehicles": types, "sensor_data": days * types, "measurement_intervals": len(dates)}
    over = {table: count for table, count in writes.items() if count > MAX_PARTITIONS_PER_STATEMENT}
    if over:
        fit = max(0, MAX_PARTITIONS_PER_STATEMENT // types - 1)  # a date's measurements may spill into the next day
        raise PartitionBudgetError(
            f"this run's {len(dates)} dates would write up to "
            + ", ".join(f"{count} partitions of {table}" for table, count in over.items())
            + f" in one statement; Athena writes at most {MAX_PARTITIONS_PER_STATEMENT}. "
            + (
                f"Process at most {fit} dates per run (several runs, one after the other)."
                if fit
                else f"{types} vehicle types are more than one statement can write."
            )
        )
    return writes


def verify_results(results: dict[str, Any], downloaded: dict[str, dict[str, int]] | None = None) -> dict[str, int]:
    """``downloaded``: per processed day, the records per endpoint its completion manifests
    report; the raw partitions must hold exactly as many."""
    figures = first_row(results)
    problems = []
    for endpoint, column in (("vehicles", "raw_vehicles"), ("sensor-data", "raw_measurements")):
        expected = sum(day[endpoint] for day in (downloaded or {}).values())
        if downloaded is not None and column in figures and figures[column] != expected:
            problems.append(
                f"the raw {endpoint} partitions hold {figures[column]} records, the downloads wrote {expected}"
            )
    if figures["missing_measurements"]:
        problems.append(f"{figures['missing_measurements']} raw measurements are not in sensor_data")
    if figures["duplicate_vehicles"]:
        problems.append(f"{figures['duplicate_vehicles']} vehicle ids appear more than once in vehicles")
    if figures["duplicate_measurements"]:
        problems.append(f"{figures['duplicate_measurements']} (vehicle_id, timestamp) pairs repeat in sensor_data")
    if figures["days_analysed"] != figures["days_with_intervals"]:
        problems.append(
            f"measurement_intervals has {figures['days_analysed']} of the processed dates, "
            f"but {figures['days_with_intervals']} have measurement intervals"
        )
    if problems:
        raise ResultCheckError("; ".join(problems))
    return figures


def check_partition_budget(results: dict[str, Any], run: Any) -> dict[str, int]:
    """The ``check_partition_budget`` task's verify function (pipelines.recipe)."""
    return partition_budget(results, run.target)


def check_results(results: dict[str, Any], run: Any) -> dict[str, Any]:
    """The ``check_results`` task's verify function (pipelines.recipe): the raw partitions must
    hold the records the run's days' completion manifests report. The ledger counts the raw
    records read and the attempts' rows (the download rejected what it rejects: its ledger rows)."""
    _, _, downloaded = complete_days(run.target, read_raw)
    figures = verify_results(results, downloaded=downloaded)
    published = {table: figures[f"{table}_rows"] for table in TABLES}
    counts = ledger_counts(read=figures["raw_vehicles"] + figures["raw_measurements"], rejected={}, published=published)
    return {**figures, LEDGER_KEY: counts}
