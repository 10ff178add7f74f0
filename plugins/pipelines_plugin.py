"""Registers the project's timetables with Airflow (the scheduler deserializes DAGs with them) and
the listener that notes each run's ledger summary (pipelines.run_notes)."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from pipelines import run_notes
from pipelines.timetables import PreviousDayTimetable, PreviousHourTimetable


class PipelinesPlugin(AirflowPlugin):
    name = "pipelines"
    timetables = [PreviousDayTimetable, PreviousHourTimetable]
    listeners = [run_notes]
