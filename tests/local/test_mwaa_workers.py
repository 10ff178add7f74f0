"""The Celery-over-SQS settings of the local stacks: sized by the environment class, and a task
message sent and received through kombu's SQS transport exactly as the scheduler and the workers
are configured, against the local AWS, signing as the execution role."""

from __future__ import annotations

import json

import boto3
import pytest
from kombu import Connection

from local.airflow_env import mwaa_role_arn
from local.mwaa_workers import VISIBILITY_TIMEOUT_SECONDS, celery_env, concurrency, describe, queue_name
from pipelines.settings import SETTINGS, load


def env_for(local_aws, **settings_env: str) -> dict[str, str]:
    settings = load(settings_env) if settings_env else SETTINGS
    return celery_env(
        local_aws.endpoint_url, "postgresql+psycopg2://airflow@127.0.0.1:5/airflow", settings, mwaa_role_arn(settings)
    )


def test_the_class_sets_the_worker_slots_and_parallelism(local_aws):
    small = env_for(local_aws)
    assert (small["AIRFLOW__CELERY__WORKER_CONCURRENCY"], small["AIRFLOW__CELERY__WORKER_AUTOSCALE"]) == ("5", "5,5")
    assert small["AIRFLOW__CORE__PARALLELISM"] == "5"
    large = env_for(local_aws, PIPELINES_MWAA_CLASS="mw1.large")
    assert (large["AIRFLOW__CELERY__WORKER_CONCURRENCY"], large["AIRFLOW__CORE__PARALLELISM"]) == ("20", "20")
    assert describe(load({"PIPELINES_MWAA_CLASS": "mw1.micro"})) == (
        "mw1.micro: 1 Celery worker x 3 task slots (queue airflow-celery-pipelines-local on the local SQS)"
    )


def test_an_unknown_class_fails_with_the_known_ones():
    with pytest.raises(
        ValueError, match=r"PIPELINES_MWAA_CLASS must be one of mw1.micro, .*mw1.2xlarge, not 'mw1.tiny'"
    ):
        concurrency(load({"PIPELINES_MWAA_CLASS": "mw1.tiny"}))


def test_the_provisioned_queue_keeps_a_received_task_invisible_as_mwaa_does(local_aws):
    sqs = local_aws.client("sqs")
    url = sqs.get_queue_url(QueueName=queue_name(SETTINGS))["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])["Attributes"]
    assert attributes == {"VisibilityTimeout": str(VISIBILITY_TIMEOUT_SECONDS)}


def test_a_task_message_goes_through_the_queue_as_the_execution_role(local_aws, monkeypatch):
    env = env_for(local_aws)
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", env["AWS_ENDPOINT_URL_STS"])
    options = json.loads(env["AIRFLOW__CELERY__EXTRA_CELERY_CONFIG"])["broker_transport_options"]
    queue = env["AIRFLOW__OPERATORS__DEFAULT_QUEUE"]
    with Connection(env["AIRFLOW__CELERY__BROKER_URL"], transport_options=options) as connection:
        channel = connection.default_channel
        connection.SimpleQueue(queue).put({"task": "execute_workload", "n": 1})
        message = connection.SimpleQueue(queue).get(timeout=10)
        assert message.payload == {"task": "execute_workload", "n": 1}
        message.ack()
        # it signed as a session of the template's MWAA execution role, not the account's key
        signed_with = channel.sqs(queue)._request_signer._credentials
        sts = boto3.client(
            "sts",
            endpoint_url=local_aws.endpoint_url,
            region_name=SETTINGS.region,
            aws_access_key_id=signed_with.access_key,
            aws_secret_access_key=signed_with.secret_key,
            aws_session_token=signed_with.token,
        )
        assert sts.get_caller_identity()["Arn"].startswith(
            mwaa_role_arn(SETTINGS).replace(":iam::", ":sts::").replace(":role/", ":assumed-role/")
        )
