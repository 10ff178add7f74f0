"""What the recipe gives every pipeline DAG, checked on one composed here (no AWS, no run: the
guide's test and the DAG tests run them)."""

from __future__ import annotations

import pytest
from airflow.providers.amazon.aws.operators.glue import GlueJobOperator

from pipelines.create_tables import CreateTablesOperator
from pipelines.glue_runs import GlueJob
from pipelines.recipe import pipeline_dag
from pipelines.run_targets import HOURS_TARGET
from pipelines.settings import SETTINGS
from pipelines.timetables import PreviousHourTimetable

TARGET = HOURS_TARGET.asked("Hours", resolved_by="pick_hours", max_items=3)
JOB = GlueJob("recipe-test", "glue/recipe_test.py", "lake_database", "recipe_test/_reports/")


@pytest.fixture(scope="module")
def composed():
    with pipeline_dag(
        "recipe_test",
        pipeline="recipe_test",
        target=TARGET,
        failure="Recipe test failed",
        schedule=PreviousHourTimetable(),
    ) as recipe:
        creates = recipe.create_tables("daily", statements=["create_raw"])
        job = recipe.glue_job("run_job", JOB, {"--hours": "{{ run_target() | join(',') }}"})
        attempts = recipe.find_attempts(["daily"], required=["daily"])
        query = recipe.sql("check_query", "checks/daily", database="other")
        checked = recipe.check("check_daily", query, lambda results, run: {})
        published = recipe.publish(["daily"], lambda hours: {"daily": [[h] for h in hours]})
        creates >> job >> attempts[0] >> query >> checked >> published
    return recipe


def test_the_dag_gets_the_shared_defaults_param_and_macros(composed):
    dag = composed.dag
    assert dag.fileloc == __file__  # the file that composed it, not the recipe's
    assert dag.params["hours"] is None and dag.params.get_param("hours").schema["maxItems"] == 3
    assert {"run_target", "attempt_id", "attempt_of", "sql_strings", "sql_dates"} <= set(dag.user_defined_macros)
    assert dag.catchup is False and {t.retries for t in dag.tasks} == {2}
    assert dag.template_searchpath[0].endswith("/include/sql")


def test_one_task_creates_the_raw_table_then_each_table_and_its_attempts_table_from_one_template(composed):
    creates = composed.dag.get_task("create_tables")
    assert isinstance(creates, CreateTablesOperator) and creates.statements == [
        "recipe_test/create_raw.sql", "recipe_test/create_daily.sql", "recipe_test/create_daily.sql"
    ]  # fmt: skip
    assert [params for _, params in creates.ddl] == [
        {},
        {"table": "daily", "published": "daily", "attempts": False},
        {"table": "daily_attempts", "published": "daily", "attempts": True},
    ]
    assert creates.database == SETTINGS.lake_database  # a pipeline without a package: no params.* of its own
    assert (creates.deferrable, creates.defer_after) == (SETTINGS.deferrable, SETTINGS.defer_after_seconds)
    assert composed.dag.get_task("check_query").database == "other"


def test_the_glue_job_is_defined_by_its_declaration_and_each_try_names_its_attempt(composed):
    job = composed.dag.get_task("run_job")
    assert isinstance(job, GlueJobOperator) and job.job_name == f"pipelines-{SETTINGS.env}-recipe-test"
    assert job.script_args == {"--hours": "{{ run_target() | join(',') }}", "--attempt": "{{ attempt_id() }}"}
    arguments = job.create_job_kwargs["DefaultArguments"]
    assert arguments["--reports_prefix"] == "recipe_test/_reports/"
    assert arguments["--extra-py-files"] == f"s3://{SETTINGS.artifacts_bucket}/glue/attempt_layout.py"
    assert job.deferrable == SETTINGS.deferrable and job.stop_job_run_on_kill
    # never more tries of the task at once, over every run of the DAG, than the job may run
    assert (job.concurrent_run_limit, job.max_active_tis_per_dag) == (1, 1)


def test_the_web_hits_job_runs_as_many_hours_at_once_as_glue_allows_it(dagbag):
    job = dagbag.get_dag("web_hits_hourly").get_task("aggregate_hour")
    assert job.concurrent_run_limit == job.max_active_tis_per_dag == 4


def test_the_failure_teardown_follows_every_task_and_names_the_target(composed):
    dag = composed.dag
    describe = dag.get_task("describe_failure")
    assert describe.is_teardown and describe.upstream_task_ids == set(dag.task_ids) - {
        "describe_failure",
        "publish_failure_event",
    }
    [entry] = dag.get_task("publish_failure_event").entries
    assert (entry["Source"], entry["DetailType"]) == ("pipelines.recipe_test", "Recipe test failed")
    assert list(describe.op_args) == [{"target_hours": "{{ run_target() | join(',') }}"}]
    assert [job for job, _ in composed._glue_jobs] == [f"pipelines-{SETTINGS.env}-recipe-test"]


def test_every_run_records_its_ledger_rows_after_every_task_and_before_the_failure_event(composed):
    dag = composed.dag
    record = dag.get_task("record_run")
    reporting = {"record_run", "describe_failure", "publish_failure_event"}
    assert record.is_teardown and record.upstream_task_ids == set(dag.task_ids) - reporting
    assert "record_run" in dag.get_task("describe_failure").upstream_task_ids  # the event carries its line
    assert composed._counted == ["check_daily"]  # a check's figures carry the ledger's counts
    assert composed._publishing == [("publish", ("daily",))]  # counted as published once this succeeded
    # each worker execution is timed for the ledger (pipelines.worker_time)
    assert {t.on_execute_callback[0].__name__ for t in dag.tasks} == {"execution_started"}
