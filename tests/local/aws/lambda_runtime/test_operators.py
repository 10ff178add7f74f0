"""LambdaInvokeFunctionOperator against the local Lambda, in dag.test() runs."""

from __future__ import annotations

import json
import uuid

import pytest
from airflow.providers.amazon.aws.operators.lambda_function import LambdaInvokeFunctionOperator

from pipelines.settings import SETTINGS
from tests.support.dag_runner import returned_value, run_dag, tiny_dag
from tests.support.lambdas import python_function

ROLE_NAME = "lambda-operator-tests"

HANDLER = """
import logging

import boto3

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def handler(event, context):
    rows = event["rows"]
    if not rows:
        raise ValueError(f"batch {event['batch']} is empty")
    total = sum(row["amount"] for row in rows)
    body = "\\n".join(f"{row['id']},{row['amount'] * 2}" for row in rows)
    boto3.client("s3").put_object(Bucket=event["bucket"], Key=event["key"], Body=body.encode())
    logger.info("batch %s: %d rows", event["batch"], len(rows))
    return {"batch": event["batch"], "rows": len(rows), "total": total}
"""


@pytest.fixture(scope="module")
def function_name(local_aws):
    return python_function(local_aws, ROLE_NAME, HANDLER, "batch.handler", "operator", Runtime="python3.11", Timeout=30)


def invoke_task(function_name: str, event: dict) -> LambdaInvokeFunctionOperator:
    return LambdaInvokeFunctionOperator(
        task_id="invoke",
        function_name=function_name,
        payload=json.dumps(event),
        log_type="Tail",
        aws_conn_id=SETTINGS.aws_conn_id,
    )


def test_succeeding_handler_returns_its_payload(local_aws, airflow_db, function_name):
    key = f"lambda-operator/{uuid.uuid4().hex[:8]}/doubled.csv"
    event = {
        "batch": "b-17",
        "rows": [{"id": 1, "amount": 5}, {"id": 2, "amount": 7}, {"id": 3, "amount": 11}],
        "bucket": SETTINGS.artifacts_bucket,
        "key": key,
    }
    dag_id = f"lambda_ok_{uuid.uuid4().hex[:8]}"
    with tiny_dag(dag_id) as dag:
        invoke_task(function_name, event)

    states = run_dag(dag)

    assert states == {"invoke": "success"}
    # The operator returns the payload text; its XCom reads back as the JSON it holds.
    assert returned_value(dag_id, "invoke") == {"batch": "b-17", "rows": 3, "total": 23}
    body = local_aws.client("s3").get_object(Bucket=SETTINGS.artifacts_bucket, Key=key)["Body"].read()
    assert body == b"1,10\n2,14\n3,22"


def test_raising_handler_fails_the_task_with_its_error(local_aws, airflow_db, function_name, capsys):
    event = {"batch": "b-18", "rows": [], "bucket": SETTINGS.artifacts_bucket, "key": "unused"}
    dag_id = f"lambda_error_{uuid.uuid4().hex[:8]}"
    with tiny_dag(dag_id) as dag:
        invoke_task(function_name, event)

    states = run_dag(dag)

    assert states == {"invoke": "failed"}
    output = capsys.readouterr()
    log = output.out + output.err
    assert "Lambda function execution resulted in error" in log
    assert "batch b-18 is empty" in log
    assert '"errorMessage": "batch b-18 is empty", "errorType": "ValueError"' in log
    # The execution log tail (LogType=Tail) reaches the task log too.
    assert "[ERROR] ValueError: batch b-18 is empty" in log
