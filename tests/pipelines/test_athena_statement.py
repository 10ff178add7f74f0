"""AthenaStatementOperator against the local Athena: a statement that ends within the watch is
reported by the worker, as without deferral; one still running, or any with a watch of 0, is
handed to the provider's AthenaTrigger, first checking one poll interval after the deferral."""

from __future__ import annotations

import asyncio

import pytest
from airflow.providers.amazon.aws.triggers.athena import AthenaTrigger
from airflow.sdk.exceptions import TaskDeferred
from airflow.triggers.base import TriggerEvent

from pipelines.athena_statement import AthenaStatementOperator, AthenaStatementTrigger
from pipelines.settings import SETTINGS
from tests.support.dag_runner import returned_value, run_dag, tiny_dag
from tests.support.triggers import first_event


def statement(task_id: str, query: str, defer_after: float) -> AthenaStatementOperator:
    return AthenaStatementOperator(
        task_id=task_id,
        query=query,
        database="default",
        workgroup=SETTINGS.athena_workgroup,
        output_location=SETTINGS.athena_output_location,
        aws_conn_id=SETTINGS.aws_conn_id,
        deferrable=True,
        defer_after=defer_after,
        sleep_time=1,
    )


def submitted(operator: AthenaStatementOperator) -> str:
    operator.query_execution_id = operator.hook.run_query(
        operator.query, {"Database": "default"}, {"OutputLocation": SETTINGS.athena_output_location},
        workgroup=SETTINGS.athena_workgroup,
    )  # fmt: skip
    return operator.query_execution_id


def trigger_of(qid: str) -> AthenaTrigger:
    return AthenaTrigger(qid, waiter_delay=1, waiter_max_attempts=10, aws_conn_id=SETTINGS.aws_conn_id)


def test_a_statement_that_ends_within_the_watch_is_not_deferred(local_aws):
    operator = statement("short", "SELECT 1", defer_after=5)
    qid = submitted(operator)
    assert operator.defer(trigger=trigger_of(qid), method_name="execute_complete") is None
    state = local_aws.client("athena").get_query_execution(QueryExecutionId=qid)["QueryExecution"]["Status"]
    assert state["State"] == "SUCCEEDED"


def test_a_watch_of_zero_defers_at_once_to_the_providers_trigger(local_aws):
    operator = statement("deferred", "SELECT 1", defer_after=0)
    qid = submitted(operator)
    with pytest.raises(TaskDeferred) as deferred:
        operator.defer(trigger=trigger_of(qid), method_name="execute_complete")
    trigger = deferred.value.trigger
    assert type(trigger) is AthenaStatementTrigger and deferred.value.method_name == "execute_complete"
    assert trigger.serialize() == (
        "pipelines.athena_statement.AthenaStatementTrigger",
        trigger_of(qid).serialize()[1],
    )
    assert first_event(trigger, timeout=30) == {"status": "success", "value": qid}


def test_the_trigger_checks_first_one_poll_interval_after_the_deferral(monkeypatch):
    calls = []

    async def sleep(seconds: float) -> None:
        calls.append(("sleep", seconds))

    async def providers_run(self: AthenaTrigger):  # stands in for the provider's checks
        calls.append(("check", self.waiter_args["QueryExecutionId"]))
        yield TriggerEvent({"status": "success", "value": "q-1"})

    monkeypatch.setattr(asyncio, "sleep", sleep)
    monkeypatch.setattr(AthenaTrigger, "run", providers_run)
    trigger = AthenaStatementTrigger("q-1", waiter_delay=7, waiter_max_attempts=3, aws_conn_id=None)
    assert first_event(trigger) == {"status": "success", "value": "q-1"}
    assert calls == [("sleep", 7), ("check", "q-1")]


def test_in_a_run_a_short_statement_returns_its_id_and_a_failed_one_fails_with_athenas_reason(local_aws, airflow_db):
    with tiny_dag("athena_statement_watch") as dag:
        statement("ok", "SELECT 42", defer_after=5)
        statement("broken", "SELECT * FROM no_such_table_here", defer_after=5)
    states = run_dag(dag)
    assert states == {"ok": "success", "broken": "failed"}
    qid = returned_value("athena_statement_watch", "ok")
    rows = local_aws.client("athena").get_query_results(QueryExecutionId=qid)["ResultSet"]["Rows"]
    assert rows[1]["Data"][0]["VarCharValue"] == "42"
