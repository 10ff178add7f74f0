"""Which day a daily run (hour an hourly run) processes, for every way a user starts one."""

from datetime import timedelta

import pendulum
import pytest

from pipelines.run_day import RunDayError, resolve_run_day, resolve_run_hour
from pipelines.timetables import PreviousDayTimetable, PreviousHourTimetable

TIMETABLE = PreviousDayTimetable(delay=timedelta(hours=7, minutes=30))
NO_PARAM = {"date": None}


def at(*args: int) -> pendulum.DateTime:
    return pendulum.datetime(*args, tz="UTC")


def test_the_date_param_wins_over_everything():
    assert resolve_run_day({"date": "2019-02-03"}, at(2020, 7, 14), at(2020, 7, 14), TIMETABLE) == "2019-02-03"


def test_scheduled_and_backfill_runs_process_their_logical_date():
    # The scheduler and `airflow backfill create` give the run logical date D = data interval start.
    assert resolve_run_day(NO_PARAM, at(2020, 7, 14), at(2020, 7, 14), TIMETABLE) == "2020-07-14"


def test_dags_test_and_trigger_at_a_historical_date_process_that_date():
    # `airflow dags trigger --logical-date 2020-07-14` infers its data interval from the time of
    # the trigger (2026 here), not from the logical date: the logical date decides.
    assert resolve_run_day(NO_PARAM, at(2020, 7, 14), at(2026, 11, 30), TIMETABLE) == "2020-07-14"


def test_a_trigger_at_a_moment_of_the_day_processes_the_latest_day_due():
    assert resolve_run_day(NO_PARAM, at(2026, 12, 1, 18, 50), None, TIMETABLE) == "2026-11-30"
    assert resolve_run_day(NO_PARAM, at(2026, 12, 1, 6, 0), None, TIMETABLE) == "2026-11-29"  # before 07:30


def test_a_run_without_logical_date_takes_its_data_interval():
    assert resolve_run_day(NO_PARAM, None, at(2026, 11, 30), TIMETABLE) == "2026-11-30"
    with pytest.raises(RunDayError, match="neither"):
        resolve_run_day(NO_PARAM, None, None, TIMETABLE)


HOURLY = PreviousHourTimetable()  # runs at H+1:10


def test_an_hourly_run_takes_the_hour_param_else_its_logical_dates_hour():
    assert resolve_run_hour({"hour": "2024-05-01T13"}, at(2020, 7, 14), None, HOURLY) == "2024-05-01T13"
    assert resolve_run_hour({"hour": None}, at(2024, 5, 1, 13), at(2026, 12, 1), HOURLY) == "2024-05-01T13"
    # A trigger in the middle of an hour: the latest hour due (13:05 is before 13:10, so 11h).
    assert resolve_run_hour({"hour": None}, at(2024, 5, 1, 13, 5), None, HOURLY) == "2024-05-01T11"
    assert resolve_run_hour({"hour": None}, at(2024, 5, 1, 13, 20), None, HOURLY) == "2024-05-01T12"
    assert resolve_run_hour({"hour": None}, None, at(2024, 5, 1, 23), HOURLY) == "2024-05-01T23"
