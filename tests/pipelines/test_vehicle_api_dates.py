import pytest

from pipelines.vehicle_api.dates import dates_to_process


def test_triggering_events_give_the_dates():
    assert dates_to_process([{"date": "2026-03-02"}, {"date": "2026-03-01"}], [[], []], []) == [
        "2026-03-01",
        "2026-03-02",
    ]


def test_days_both_assets_published_after_the_trigger_are_taken_too():
    later = [[{"date": "2026-03-03"}, {"date": "2026-03-04"}], [{"date": "2026-03-03"}]]
    assert dates_to_process([{"date": "2026-03-02"}], later, []) == ["2026-03-02", "2026-03-03"]


def test_a_manual_run_uses_the_param():
    assert dates_to_process([], [], ["2026-01-01"]) == ["2026-01-01"]


def test_a_manual_run_at_a_logical_date_without_dates_processes_that_day():
    assert dates_to_process([], [], [], logical_day="2020-07-14") == ["2020-07-14"]
    assert dates_to_process([], [], ["2026-01-01"], logical_day="2020-07-14") == ["2026-01-01"]


def test_no_dates_at_all_is_an_error():
    with pytest.raises(ValueError, match="no days"):
        dates_to_process([], [[], []], [])
