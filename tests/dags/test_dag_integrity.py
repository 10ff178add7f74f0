"""Rules every DAG file obeys: it imports cleanly, is documented, retries, and does no I/O at parse time."""

from __future__ import annotations

import socket
from pathlib import Path

import pendulum
import pytest

DAGS = Path(__file__).resolve().parents[2] / "dags"
SCHEDULE_WORDS = ("daily", "hourly", "weekly", "every", "manual", "asset", "triggered")


def test_every_dag_file_imports_without_errors(dagbag):
    assert dagbag.import_errors == {}
    assert dagbag.dag_ids, "no DAGs found"


def test_every_python_file_defines_a_dag(dagbag):
    files = {p.name for p in DAGS.glob("*.py")}
    assert files == {Path(dag.fileloc).name for dag in dagbag.dags.values()}


@pytest.fixture(params=sorted(p.stem for p in DAGS.glob("*.py")))
def dag(request, dagbag):
    return next(d for d in dagbag.dags.values() if Path(d.fileloc).stem == request.param)


def test_dag_is_owned_tagged_and_documented(dag):
    assert dag.owner not in ("", "airflow"), "set owner through pipelines.dag_defaults"
    assert dag.tags, "tags let users filter the UI"
    assert dag.doc_md and len(dag.doc_md.strip()) > 80, "doc_md explains the DAG in the UI"


def test_description_says_when_it_runs(dag):
    assert dag.description, "description states the schedule"
    assert any(word in dag.description.lower() for word in SCHEDULE_WORDS), dag.description


def test_dag_serializes_as_the_scheduler_stores_it(dag):
    from airflow.serialization.serialized_objects import DagSerialization

    restored = DagSerialization.from_dict(DagSerialization.to_dict(dag))
    assert restored.task_ids == dag.task_ids
    assert type(restored.timetable).__name__ == type(dag.timetable).__name__


def test_every_task_retries_at_least_twice(dag):
    assert {t.task_id: t.retries for t in dag.tasks if t.retries < 2} == {}


def test_parsing_does_no_network_and_no_variable_or_connection_lookup(monkeypatch, airflow_db):
    from airflow.dag_processing.dagbag import DagBag
    from airflow.sdk import Connection, Variable

    def forbidden(*args, **kwargs):
        raise AssertionError(f"called at parse time with {args!r}")

    monkeypatch.setattr(socket.socket, "connect", forbidden)
    monkeypatch.setattr(socket, "create_connection", forbidden)
    monkeypatch.setattr(Variable, "get", forbidden)
    monkeypatch.setattr(Connection, "get", forbidden)

    bag = DagBag(str(DAGS))

    assert bag.import_errors == {}
    assert bag.dag_ids


DEPRECATED_DAG = (
    "from airflow.sdk import DAG\n"
    "from airflow.providers.amazon.aws.operators.glue_crawler import GlueCrawlerOperator\n"
    "with DAG('deprecated', schedule=None):\n"
    "    GlueCrawlerOperator(task_id='crawl', config={'Name': 'c'})\n"
)


def test_parsing_emits_no_warning_of_the_project(dagbag):
    from tests.support.warning_origin import ours_in_captured

    assert ours_in_captured(dagbag.captured_warnings) == []


def test_the_parse_check_flags_a_deprecated_provider_operator(tmp_path, airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    from tests.support.warning_origin import ours_in_captured

    (tmp_path / "deprecated.py").write_text(DEPRECATED_DAG)
    flagged = ours_in_captured(DagBag(str(tmp_path)).captured_warnings)
    assert len(flagged) == 1 and "GlueCrawlerOperator is deprecated" in flagged[0]


def test_a_deprecation_raised_while_a_task_runs_in_dag_test_is_seen_and_flagged(airflow_db):
    """What the run check in conftest relies on: dag.test() runs tasks in this process."""
    import warnings

    from airflow.sdk import task

    from tests.support.dag_runner import run_dag, tiny_dag
    from tests.support.warning_origin import is_ours

    with tiny_dag("deprecation_probe") as dag:

        @task
        def build_a_deprecated_operator() -> None:
            from airflow.providers.amazon.aws.operators.glue_crawler import GlueCrawlerOperator

            GlueCrawlerOperator(task_id="crawl", config={"Name": "c"})

        build_a_deprecated_operator()

    with warnings.catch_warnings(record=True) as recorded:
        warnings.simplefilter("always")
        assert run_dag(dag) == {"build_a_deprecated_operator": "success"}
    flagged = [str(w.message) for w in recorded if is_ours(w.category, w.filename)]
    assert any("GlueCrawlerOperator is deprecated" in m for m in flagged)


@pytest.mark.parametrize(
    ("dag_id", "conf"),
    [
        ("traffic_batch", {"date": "2023-02-29"}),
        ("vehicle_api_processing", {"dates": ["2026-03-01", "2026-02-30"]}),
        ("web_hits_hourly", {"hour": "2024-02-30T10"}),
        ("web_hits_hourly", {"hour": "2024-02-01T24"}),
        ("uber_movement", {"hours": ["2100-02-29-05"]}),
    ],
)
def test_a_day_or_hour_that_does_not_exist_is_refused_before_any_task(dagbag, dag_id, conf):
    from airflow.sdk.exceptions import ParamValidationError

    with pytest.raises(ParamValidationError):
        dagbag.get_dag(dag_id).test(logical_date=pendulum.datetime(2024, 3, 1, tz="UTC"), run_conf=conf)


def test_every_lambda_invoke_waits_as_long_as_the_function_may_run_and_is_never_resent(dagbag):
    """botocore's default read timeout is 60 s and its retries re-invoke a function still running:
    every invoke waits past the downloader's timeout and leaves retries to Airflow."""
    from airflow.providers.amazon.aws.operators.lambda_function import LambdaInvokeFunctionOperator

    from pipelines.vehicle_api.download import DOWNLOADER_TIMEOUT_SECONDS

    invokes = [
        task for dag in dagbag.dags.values() for task in dag.tasks
        if issubclass(getattr(task, "operator_class", type(task)), LambdaInvokeFunctionOperator)
    ]  # fmt: skip
    assert {task.task_id for task in invokes} == {
        "vehicles.first_page", "vehicles.download_pages", "sensor_data.first_page", "sensor_data.download_pages",
    }  # fmt: skip
    for task in invokes:
        config = task.botocore_config if hasattr(task, "botocore_config") else task.partial_kwargs["botocore_config"]
        assert config["read_timeout"] > DOWNLOADER_TIMEOUT_SECONDS and config["retries"]["max_attempts"] == 1, (
            task.task_id
        )
