import pytest

from pipelines.athena_results import ResultShapeError
from pipelines.vehicle_api.checks import PartitionBudgetError, ResultCheckError, partition_budget, verify_results

COLUMNS = [
    "raw_vehicles",
    "raw_measurements",
    "missing_measurements",
    "duplicate_vehicles",
    "duplicate_measurements",
    "days_with_intervals",
    "days_analysed",
    "unknown_vehicle_measurements",
]


def results(*values: int, columns: list[str] = COLUMNS) -> dict:
    return {
        "ResultSet": {
            "Rows": [
                {"Data": [{"VarCharValue": c} for c in columns]},
                {"Data": [{"VarCharValue": str(v)} for v in values]},
            ]
        }
    }


def budget(vehicle_types: int, measurement_days: int) -> dict:
    return results(vehicle_types, measurement_days, columns=["vehicle_types", "measurement_days"])


def test_the_partitions_each_statement_writes_are_counted_before_any_runs():
    dates = [f"2026-03-{d:02d}" for d in range(1, 11)]
    # 4 types + 'unknown'; measurements of 10 dates fall on 11 days.
    assert partition_budget(budget(4, 11), dates) == {"vehicles": 5, "sensor_data": 55, "measurement_intervals": 10}


def test_a_run_over_athenas_100_partitions_fails_first_naming_the_dates_that_fit():
    dates = [f"2026-03-{d:02d}" for d in range(1, 31)]
    with pytest.raises(PartitionBudgetError) as refused:
        partition_budget(budget(4, 31), dates)
    assert str(refused.value) == (
        "this run's 30 dates would write up to 155 partitions of sensor_data in one statement; Athena writes at "
        "most 100. Process at most 19 dates per run (several runs, one after the other)."
    )
    with pytest.raises(PartitionBudgetError, match="120 vehicle types are more than one statement can write"):
        partition_budget(budget(119, 1), dates[:1])


def test_consistent_figures_pass_and_are_returned():
    assert verify_results(results(30, 120, 0, 0, 0, 2, 2, 3))["raw_measurements"] == 120


def test_every_problem_is_named():
    with pytest.raises(ResultCheckError) as err:
        verify_results(results(30, 120, 5, 1, 2, 2, 1, 0))
    message = str(err.value)
    assert "5 raw measurements are not in sensor_data" in message
    assert "1 vehicle ids appear more than once" in message
    assert "2 (vehicle_id, timestamp) pairs repeat" in message
    assert "1 of the processed dates, but 2 have measurement intervals" in message


def test_raw_counts_must_equal_the_completion_manifests():
    downloaded = {"2026-01-01": {"vehicles": 10, "sensor-data": 70}, "2026-01-02": {"vehicles": 20, "sensor-data": 50}}
    assert verify_results(results(30, 120, 0, 0, 0, 2, 2, 0), downloaded)["raw_vehicles"] == 30
    with pytest.raises(ResultCheckError) as err:
        verify_results(results(30, 3013, 0, 0, 0, 2, 2, 0), downloaded)
    assert "the raw sensor-data partitions hold 3013 records, the downloads wrote 120" in str(err.value)


def test_an_empty_result_set_fails():
    with pytest.raises(ResultShapeError, match="expected one result row, got 0"):
        verify_results({"ResultSet": {"Rows": [{"Data": [{"VarCharValue": c} for c in COLUMNS]}]}})
