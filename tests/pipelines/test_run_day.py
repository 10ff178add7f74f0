"""Which day a daily run processes, for every way a user starts one."""

from datetime import timedelta

import pendulum
import pytest

from pipelines.run_day import RunDayError, resolve_run_day
from pipelines.timetables import PreviousDayTimetable

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
