"""What a run processes (its target), for every way a user starts one, decided one way in every DAG."""

from datetime import timedelta
from types import SimpleNamespace

import jinja2
import pendulum
import pytest
from airflow.sdk import PartitionedAssetTimetable
from airflow.sdk.definitions.asset import Asset
from airflow.sdk.exceptions import ParamValidationError

from pipelines.run_targets import DAY_TARGET, DAYS_TARGET, HOUR_TARGET, HOURS_TARGET, RunTargetError, period_of
from pipelines.timetables import PreviousDayTimetable, PreviousHourTimetable

TRAFFIC = SimpleNamespace(timetable=PreviousDayTimetable(delay=timedelta(hours=7, minutes=30)))
WEB_HITS = SimpleNamespace(timetable=PreviousHourTimetable())  # runs at H+1:10
PROCESSING = SimpleNamespace(timetable=PartitionedAssetTimetable(assets=Asset("s3://b/k")))  # no delay


def at(*args: int) -> pendulum.DateTime:
    return pendulum.datetime(*args, tz="UTC")


def day(params: dict, logical, interval_start, dag=TRAFFIC) -> str:
    return DAY_TARGET.value(
        {"params": params, "logical_date": logical, "data_interval_start": interval_start, "dag": dag}
    )


def hour(params: dict, logical, interval_start) -> str:
    context = {"params": params, "logical_date": logical, "data_interval_start": interval_start, "dag": WEB_HITS}
    return HOUR_TARGET.value(context)


def test_the_param_wins_over_everything():
    assert day({"date": "2019-02-03"}, at(2020, 7, 14), at(2020, 7, 14)) == "2019-02-03"
    assert hour({"hour": "2024-05-01T13"}, at(2020, 7, 14), None) == "2024-05-01T13"


def test_scheduled_and_backfill_runs_process_their_logical_date():
    # The scheduler and `airflow backfill create` give the run logical date D = data interval start.
    assert day({"date": None}, at(2020, 7, 14), at(2020, 7, 14)) == "2020-07-14"
    assert hour({"hour": None}, at(2024, 5, 1, 13), at(2026, 12, 1)) == "2024-05-01T13"


def test_dags_test_and_trigger_at_a_historical_date_process_that_date():
    # `airflow dags trigger --logical-date 2020-07-14` infers its data interval from the time of
    # the trigger (2026 here), not from the logical date: the logical date decides.
    assert day({"date": None}, at(2020, 7, 14), at(2026, 11, 30)) == "2020-07-14"


def test_a_moment_inside_a_period_names_the_latest_period_due_by_then():
    assert day({"date": None}, at(2026, 12, 1, 18, 50), None) == "2026-11-30"
    assert day({"date": None}, at(2026, 12, 1, 6, 0), None) == "2026-11-29"  # before 07:30
    assert hour({"hour": None}, at(2024, 5, 1, 13, 5), None) == "2024-05-01T11"  # before 13:10
    assert hour({"hour": None}, at(2024, 5, 1, 13, 20), None) == "2024-05-01T12"


def test_one_rule_for_every_dag_a_schedule_without_delay_included():
    # The example: --logical-date 2026-03-05T18:00 names 03-04 for traffic_batch and for
    # vehicle_api_processing alike (it named 03-05 for the second before).
    assert day({"date": None}, at(2026, 3, 5, 18), None) == "2026-03-04"
    assert DAYS_TARGET.own(at(2026, 3, 5, 18), None, PROCESSING.timetable) == "2026-03-04"
    assert DAYS_TARGET.own(at(2020, 7, 14), None, PROCESSING.timetable) == "2020-07-14"
    # The timetables infer a manual run's interval by the same rule.
    assert TRAFFIC.timetable.infer_manual_data_interval(run_after=at(2026, 3, 5, 18)).start == at(2026, 3, 4)
    assert period_of(at(2026, 3, 5, 18), "day") == at(2026, 3, 4)


def test_a_run_without_logical_date_takes_its_data_interval():
    assert day({"date": None}, None, at(2026, 11, 30)) == "2026-11-30"
    assert hour({"hour": None}, None, at(2024, 5, 1, 23)) == "2024-05-01T23"
    with pytest.raises(RunTargetError, match="neither"):
        day({"date": None}, None, None)
    assert DAYS_TARGET.own(None, None, PROCESSING.timetable) is None


def test_a_list_target_is_its_resolving_tasks_answer_in_templates_and_in_the_failure_event():
    target = HOURS_TARGET.asked("Hours", resolved_by="find_pending_hours")
    pulled = []
    ti = SimpleNamespace(xcom_pull=lambda task_ids: pulled.append(task_ids) or ["2024-05-01T13", "2024-05-01T14"])
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    rendered = env.from_string(target.event_template()).render(run_target=target.macro(), ti=ti)
    assert rendered == "2024-05-01T13,2024-05-01T14" and pulled == ["find_pending_hours"]
    nothing = SimpleNamespace(xcom_pull=lambda task_ids: None)  # the resolving task failed
    assert env.from_string(target.event_template()).render(run_target=target.macro(), ti=nothing) == ""
    assert DAY_TARGET.event_field == "target_day" and target.event_field == "target_hours"


def test_one_hour_form_the_hours_param_still_reads_the_earlier_one():
    assert HOURS_TARGET.requested({"hours": ["2024-05-01-14", "2024-05-01T13", "2024-05-01T14"]}) == [
        "2024-05-01T13",
        "2024-05-01T14",
    ]
    assert DAYS_TARGET.requested({"dates": None}) == [] and DAY_TARGET.requested({"date": ""}) == []


@pytest.mark.parametrize(
    ("target", "value", "accepted"),
    [
        (HOUR_TARGET, "2024-05-01T13", True),
        (HOUR_TARGET, "2024-05-01-13", False),  # one form for a single hour
        (HOUR_TARGET, "2024-02-30T10", False),
        (HOURS_TARGET, ["2024-05-01T13", "2024-05-01-14"], True),
        (HOURS_TARGET, ["2024-05-01 13"], False),
        (DAY_TARGET, "2020-07-14", True),
        (DAY_TARGET, "2021-02-29", False),
        (DAYS_TARGET, ["2020-07-14"], True),
        (DAYS_TARGET, None, True),
        (DAYS_TARGET, ["20200714"], False),
    ],
)
def test_the_param_validates_as_the_run_is_created(target, value, accepted):
    param = target.asked("What", resolved_by="resolve" if target.many else "", max_items=3).param()
    if accepted:
        assert param.resolve(value) == value
    else:
        with pytest.raises(ParamValidationError):
            param.resolve(value)
    assert "YYYY-MM-DD" in param.schema["title"]


def test_a_target_is_asked_for_before_it_makes_a_param_and_only_a_list_has_a_resolving_task():
    with pytest.raises(ValueError, match="use .asked"):
        DAY_TARGET.param()
    with pytest.raises(ValueError, match="only a list target"):
        DAY_TARGET.asked("Day", resolved_by="resolve")
    with pytest.raises(ValueError, match="only a list target"):
        DAYS_TARGET.asked("Days")
