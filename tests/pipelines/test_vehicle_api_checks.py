import pytest

from pipelines.athena_results import ResultShapeError
from pipelines.vehicle_api.checks import ResultCheckError, verify_results

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


def results(*values: int) -> dict:
    return {
        "ResultSet": {
            "Rows": [
                {"Data": [{"VarCharValue": c} for c in COLUMNS]},
                {"Data": [{"VarCharValue": str(v)} for v in values]},
            ]
        }
    }


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
