"""Daily and hourly schedules whose data interval is the previous whole UTC day (hour) and
whose run starts later.

Airflow 3 offers either a zero-length interval at the cron time (``CronTriggerTimetable``,
what a plain cron string gives) or an interval that ends exactly when the run starts
(``CronDataIntervalTimetable``). The pipelines need both a whole interval [D, D+1) and a start
time after it ends (01:00 for the API download, later for the traffic batch so that late
records have arrived; minutes after the hour for the web hits), so these timetables wrap the
data-interval timetable of their period and move each run's start by ``delay``. Registered
with Airflow by ``plugins/pipelines_plugin.py``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.timetables.base import DagRunInfo, DataInterval, TimeRestriction, Timetable
from airflow.timetables.interval import CronDataIntervalTimetable
from pendulum import DateTime

from pipelines.run_targets import period_of


class _PreviousPeriodTimetable(Timetable):
    """Data interval [P, P+1) of a whole UTC period; the run for P starts at P+1 + ``delay``."""

    PERIOD = "day"  # pendulum's unit
    CRON = "0 0 * * *"
    DEFAULT_DELAY = timedelta(hours=1)

    def __init__(self, delay: timedelta | None = None) -> None:
        delay = self.DEFAULT_DELAY if delay is None else delay
        if not timedelta(0) <= delay < timedelta(**{f"{self.PERIOD}s": 1}):
            raise ValueError(f"delay must be within one {self.PERIOD}, got {delay}")
        self.delay = delay
        self._periods = CronDataIntervalTimetable(self.CRON, timezone="UTC")

    def infer_manual_data_interval(self, *, run_after: DateTime) -> DataInterval:
        """The period a manual run's logical date (or trigger time) means, by the one rule of
        ``pipelines.run_targets.period_of``: ``airflow dags test DAG 2020-07-14`` processes
        2020-07-14; a trigger at any time of D+1 after the delay processes D."""
        start = period_of(run_after, self.PERIOD, self.delay)
        return DataInterval(start, start.add(**{f"{self.PERIOD}s": 1}))

    def next_dagrun_info(
        self, *, last_automated_data_interval: DataInterval | None, restriction: TimeRestriction
    ) -> DagRunInfo | None:
        info = self._periods.next_dagrun_info(
            last_automated_data_interval=last_automated_data_interval, restriction=restriction
        )
        if info is None or info.data_interval is None:
            return info
        if not restriction.catchup:
            # Without catchup the period's timetable skips to the period that started last, which
            # is not due before its end + delay: a daily DAG unpaused at 00:20 would wait until
            # 01:00 (07:30 for traffic) instead of running the latest day due now.
            due = self.infer_manual_data_interval(run_after=_now().add(microseconds=1))
            last_start = last_automated_data_interval.start if last_automated_data_interval else None
            if due.start < info.data_interval.start and (last_start is None or last_start < due.start):
                if restriction.earliest is None or due.start >= restriction.earliest:
                    info = DagRunInfo.interval(due.start, due.end)
        return DagRunInfo(
            run_after=info.data_interval.end + self.delay,
            data_interval=info.data_interval,
            partition_date=None,
            partition_key=None,
        )

    def serialize(self) -> dict[str, Any]:
        return {"delay_seconds": int(self.delay.total_seconds())}

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> _PreviousPeriodTimetable:
        return cls(delay=timedelta(seconds=data["delay_seconds"]))

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.delay == self.delay  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), self.delay))


class PreviousDayTimetable(_PreviousPeriodTimetable):
    """Data interval [D 00:00, D+1 00:00) UTC; the run for D starts at D+1 00:00 + ``delay``."""

    @property
    def summary(self) -> str:
        return f"daily at {_clock(self.delay)} UTC, previous day"

    @property
    def description(self) -> str:  # type: ignore[override]
        return f"Daily at {_clock(self.delay)} UTC, for the previous UTC day [D, D+1)"


class PreviousHourTimetable(_PreviousPeriodTimetable):
    """Data interval [H:00, H+1:00) UTC; the run for H starts at H+1:00 + ``delay``."""

    PERIOD = "hour"
    CRON = "0 * * * *"
    DEFAULT_DELAY = timedelta(minutes=10)

    @property
    def summary(self) -> str:
        return f"hourly at :{int(self.delay.total_seconds()) // 60:02d}, previous hour"

    @property
    def description(self) -> str:  # type: ignore[override]
        return f"Hourly, {int(self.delay.total_seconds()) // 60} minutes after the hour, for the previous UTC hour [H, H+1)"


def _clock(delay: timedelta) -> str:
    minutes = int(delay.total_seconds()) // 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _now() -> DateTime:
    return pendulum.now("UTC")
