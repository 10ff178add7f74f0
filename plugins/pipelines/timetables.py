"""A daily schedule whose data interval is the previous UTC day and whose run starts later.

Airflow 3 offers either a zero-length interval at the cron time (``CronTriggerTimetable``,
what a plain cron string gives) or an interval that ends exactly when the run starts
(``CronDataIntervalTimetable``). The pipelines need both a whole-day interval [D, D+1) and a
start time after midnight (01:00 for the API download, later for the traffic batch so that
late records have arrived), so this timetable wraps the daily data-interval timetable and
moves each run's start by ``delay``. Registered with Airflow by ``plugins/pipelines_plugin.py``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.timetables.base import DagRunInfo, DataInterval, TimeRestriction, Timetable
from airflow.timetables.interval import CronDataIntervalTimetable
from pendulum import DateTime


class PreviousDayTimetable(Timetable):
    """Data interval [D 00:00, D+1 00:00) UTC; the run for D starts at D+1 00:00 + ``delay``."""

    def __init__(self, delay: timedelta = timedelta(hours=1)) -> None:
        if not timedelta(0) <= delay < timedelta(days=1):
            raise ValueError(f"delay must be within one day, got {delay}")
        self.delay = delay
        self._days = CronDataIntervalTimetable("0 0 * * *", timezone="UTC")

    @property
    def summary(self) -> str:
        return f"daily at {_clock(self.delay)} UTC, previous day"

    @property
    def description(self) -> str:  # type: ignore[override]
        return f"Daily at {_clock(self.delay)} UTC, for the previous UTC day [D, D+1)"

    def infer_manual_data_interval(self, *, run_after: DateTime) -> DataInterval:
        """The day a manual run's logical date (or trigger time) means.

        Midnight UTC names its own day [D, D+1), the interval of the scheduled run whose
        logical date it is: ``airflow dags test DAG 2020-07-14`` processes 2020-07-14. Any
        other moment means the latest day due by then, as the schedule would have run it: a
        trigger at any time of day D+1 after the delay processes D.
        """
        moment = run_after.in_timezone("UTC")
        midnight = moment.start_of("day")
        if moment == midnight:
            return DataInterval(midnight, midnight.add(days=1))
        return self._days.infer_manual_data_interval(run_after=moment - self.delay)

    def next_dagrun_info(
        self, *, last_automated_data_interval: DataInterval | None, restriction: TimeRestriction
    ) -> DagRunInfo | None:
        info = self._days.next_dagrun_info(
            last_automated_data_interval=last_automated_data_interval, restriction=restriction
        )
        if info is None or info.data_interval is None:
            return info
        if not restriction.catchup:
            # Without catchup the daily timetable skips to the day that started last, which is not
            # due before midnight + delay: a DAG unpaused at 00:20 would wait until 01:00 (07:30 for
            # traffic) instead of running the latest day due now.
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
    def deserialize(cls, data: dict[str, Any]) -> PreviousDayTimetable:
        return cls(delay=timedelta(seconds=data["delay_seconds"]))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PreviousDayTimetable) and other.delay == self.delay

    def __hash__(self) -> int:
        return hash((PreviousDayTimetable, self.delay))


def _clock(delay: timedelta) -> str:
    minutes = int(delay.total_seconds()) // 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _now() -> DateTime:
    return pendulum.now("UTC")
