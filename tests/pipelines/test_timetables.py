from datetime import timedelta

import pendulum
import pytest
from airflow.timetables.base import DataInterval, TimeRestriction

from pipelines.timetables import PreviousDayTimetable, PreviousHourTimetable

UTC = pendulum.UTC


def day(d: int, hour: int = 0) -> pendulum.DateTime:
    return pendulum.datetime(2026, 3, d, hour, tz=UTC)


def test_first_run_covers_the_previous_whole_day_and_starts_at_one():
    info = PreviousDayTimetable().next_dagrun_info(
        last_automated_data_interval=None, restriction=TimeRestriction(earliest=day(1), latest=None, catchup=True)
    )
    assert info.data_interval == DataInterval(day(1), day(2))
    assert info.run_after == day(2, 1)
    assert info.logical_date == day(1)


def test_next_run_follows_the_last_interval():
    info = PreviousDayTimetable(delay=timedelta(hours=7)).next_dagrun_info(
        last_automated_data_interval=DataInterval(day(4), day(5)),
        restriction=TimeRestriction(earliest=day(1), latest=None, catchup=True),
    )
    assert info.data_interval == DataInterval(day(5), day(6))
    assert info.run_after == day(6, 7)


@pytest.mark.parametrize(
    ("now", "day_run"),
    [
        (day(10, 0).add(minutes=20), 8),  # before 01:00: D-1 is not due yet, D-2 is the latest due
        (day(10, 2), 9),  # after 01:00: D-1 is due
    ],
)
def test_without_catchup_the_latest_day_due_runs_as_soon_as_unpaused(monkeypatch, now, day_run):
    monkeypatch.setattr("pipelines.timetables._now", lambda: now)
    monkeypatch.setattr("airflow.timetables.interval.utcnow", lambda: now)  # the daily timetable's clock
    info = PreviousDayTimetable().next_dagrun_info(
        last_automated_data_interval=None, restriction=TimeRestriction(earliest=None, latest=None, catchup=False)
    )
    assert info.data_interval == DataInterval(day(day_run), day(day_run + 1))
    assert info.run_after <= now
    # Once that day ran, the next is the one due next.
    after = PreviousDayTimetable().next_dagrun_info(
        last_automated_data_interval=info.data_interval,
        restriction=TimeRestriction(earliest=None, latest=None, catchup=False),
    )
    assert after.data_interval.start > info.data_interval.start


def test_manual_run_during_a_day_processes_the_day_before():
    timetable = PreviousDayTimetable()
    assert timetable.infer_manual_data_interval(run_after=day(10, 15)) == DataInterval(day(9), day(10))
    # Before 01:00 the scheduled run for the day before has not started yet: same rule as the schedule.
    assert timetable.infer_manual_data_interval(run_after=day(10, 0).add(minutes=30)) == DataInterval(day(8), day(9))


def test_a_logical_date_at_midnight_names_its_own_day_as_the_scheduled_run_of_that_date_does():
    timetable = PreviousDayTimetable(delay=timedelta(hours=7, minutes=30))
    july_14 = pendulum.datetime(2020, 7, 14, tz=UTC)
    assert timetable.infer_manual_data_interval(run_after=july_14) == DataInterval(july_14, july_14.add(days=1))
    scheduled = timetable.next_dagrun_info(
        last_automated_data_interval=None, restriction=TimeRestriction(earliest=july_14, latest=None, catchup=True)
    )
    assert scheduled.logical_date == july_14
    assert scheduled.data_interval == timetable.infer_manual_data_interval(run_after=july_14)
    # Midnight in another zone is not midnight UTC: the latest day due by then.
    paris = pendulum.datetime(2020, 7, 14, tz="Europe/Paris")  # 2020-07-13 22:00 UTC
    assert timetable.infer_manual_data_interval(run_after=paris) == DataInterval(
        pendulum.datetime(2020, 7, 12, tz=UTC), pendulum.datetime(2020, 7, 13, tz=UTC)
    )


def test_serialization_round_trip_keeps_the_delay():
    timetable = PreviousDayTimetable(delay=timedelta(hours=6, minutes=30))
    assert PreviousDayTimetable.deserialize(timetable.serialize()) == timetable
    assert timetable.summary == "daily at 06:30 UTC, previous day"


def test_delay_of_a_day_or_more_is_rejected():
    with pytest.raises(ValueError, match="within one day"):
        PreviousDayTimetable(delay=timedelta(days=1))


def test_hourly_runs_cover_the_previous_hour_and_start_ten_minutes_after_it():
    timetable = PreviousHourTimetable()
    info = timetable.next_dagrun_info(
        last_automated_data_interval=DataInterval(day(4, 12), day(4, 13)),
        restriction=TimeRestriction(earliest=day(1), latest=None, catchup=True),
    )
    assert info.data_interval == DataInterval(day(4, 13), day(4, 14))
    assert info.run_after == day(4, 14).add(minutes=10)
    assert timetable.infer_manual_data_interval(run_after=day(4, 13)) == DataInterval(day(4, 13), day(4, 14))
    assert PreviousHourTimetable.deserialize(timetable.serialize()) == timetable != PreviousDayTimetable()
    assert timetable.summary == "hourly at :10, previous hour"
    with pytest.raises(ValueError, match="within one hour"):
        PreviousHourTimetable(delay=timedelta(hours=1))


def test_without_catchup_an_unpaused_hourly_dag_runs_the_latest_hour_due(monkeypatch):
    now = day(10, 15).add(minutes=5)  # 15:05: 14h is not due before 15:10, 13h is
    monkeypatch.setattr("pipelines.timetables._now", lambda: now)
    monkeypatch.setattr("airflow.timetables.interval.utcnow", lambda: now)
    info = PreviousHourTimetable().next_dagrun_info(
        last_automated_data_interval=None, restriction=TimeRestriction(earliest=None, latest=None, catchup=False)
    )
    assert info.data_interval == DataInterval(day(10, 13), day(10, 14))
    assert info.run_after <= now
