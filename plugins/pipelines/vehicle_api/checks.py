"""The processing DAG's final check: read the consistency figures and fail on bad output."""

from __future__ import annotations

from typing import Any

from pipelines.athena_results import first_row


class ResultCheckError(Exception):
    """The processed tables are empty or inconsistent."""


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
