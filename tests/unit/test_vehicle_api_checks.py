import pytest

from pipelines.athena_results import ResultShapeError
from pipelines.vehicle_api.checks import ResultCheckError, verify_results

COLUMNS = [
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
    assert verify_results(results(120, 0, 0, 0, 2, 2, 3))["raw_measurements"] == 120


def test_every_problem_is_named():
    with pytest.raises(ResultCheckError) as err:
        verify_results(results(120, 5, 1, 2, 2, 1, 0))
    message = str(err.value)
    assert "5 raw measurements are not in sensor_data" in message
    assert "1 vehicle ids appear more than once" in message
    assert "2 (vehicle_id, timestamp) pairs repeat" in message
    assert "1 of the processed dates, but 2 have measurement intervals" in message


def test_an_empty_result_set_fails():
    with pytest.raises(ResultShapeError, match="expected one result row, got 0"):
        verify_results({"ResultSet": {"Rows": [{"Data": [{"VarCharValue": c} for c in COLUMNS]}]}})
