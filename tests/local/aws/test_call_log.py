"""Code run under a role signs as that role, and the call log says who called what: a Lambda's
calls are its execution role's (in the second region too), the test's own calls its access
key's, a recording holds only what happened inside it, and each call names its resource."""

from __future__ import annotations

import json
import uuid

from local.aws import call_log
from local.aws.credentials import ACCESS_KEY_ID
from tests.support.lambdas import python_function
from tests.support.regions import SECOND_REGION, Regional

ROLE_NAME = "call-log-tests"
ROLE = f"arn:aws:iam::123456789012:role/{ROLE_NAME}"
HANDLER = """
import boto3

def handler(event, context):
    boto3.client("s3").put_object(Bucket=event["bucket"], Key="from-lambda/x.txt", Body=b"x")
    return boto3.client("sts").get_caller_identity()["Arn"]
"""


def function(aws: Regional) -> str:
    return python_function(aws, ROLE_NAME, HANDLER, "app.handler", "fn", Runtime="python3.12")


def test_a_lambdas_calls_are_its_roles_and_the_recording_names_action_and_resource(local_aws, bucket):
    aws = Regional(local_aws.endpoint_url, SECOND_REGION)
    name = function(aws)
    s3 = aws.client("s3")
    s3.put_object(Bucket=bucket, Key="before.txt", Body=b"not recorded")
    with call_log.recording() as calls:
        response = aws.client("lambda").invoke(FunctionName=name, Payload=json.dumps({"bucket": bucket}))
        s3.get_object(Bucket=bucket, Key="from-lambda/x.txt")
    s3.get_object(Bucket=bucket, Key="before.txt")  # after the block: not recorded

    arn = json.loads(response["Payload"].read())
    assert "FunctionError" not in response, arn
    assert arn == f"arn:aws:sts::123456789012:assumed-role/{ROLE_NAME}/{name}"
    assert calls == {
        call_log.Call(ACCESS_KEY_ID, "lambda:Invoke", f"arn:aws:lambda:{SECOND_REGION}:123456789012:function:{name}"),
        call_log.Call(ROLE, "s3:PutObject", f"arn:aws:s3:::{bucket}/from-lambda/x.txt"),
        call_log.Call(ROLE, "sts:GetCallerIdentity", "*"),
        call_log.Call(ACCESS_KEY_ID, "s3:GetObject", f"arn:aws:s3:::{bucket}/from-lambda/x.txt"),
    }


def test_calls_of_other_services_name_the_resource_the_request_names(local_aws):
    aws = Regional(local_aws.endpoint_url, SECOND_REGION)
    arn = f"arn:aws:%s:{SECOND_REGION}:123456789012:%s"
    suffix = uuid.uuid4().hex[:8]
    glue, sqs, events, secrets = (
        aws.client("glue"),
        aws.client("sqs"),
        aws.client("events"),
        aws.client("secretsmanager"),
    )
    glue.create_database(DatabaseInput={"Name": f"db_{suffix}"})
    glue.create_table(DatabaseName=f"db_{suffix}", TableInput={"Name": "t"})
    queue = sqs.create_queue(QueueName=f"q-{suffix}")["QueueUrl"]
    events.create_event_bus(Name=f"bus-{suffix}")
    secrets.create_secret(Name=f"s-{suffix}", SecretString="{}")
    with call_log.recording() as calls:
        glue.get_table(DatabaseName=f"db_{suffix}", Name="t")
        glue.get_database(Name=f"db_{suffix}")
        sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])
        events.put_events(Entries=[{"Source": "x", "DetailType": "y", "Detail": "{}", "EventBusName": f"bus-{suffix}"}])
        secrets.get_secret_value(SecretId=f"s-{suffix}")
        glue.create_job(Name=f"job-{suffix}", Role=ROLE_NAME, Command={"Name": "glueetl", "ScriptLocation": "s3://b/k"})
    assert {(c.action, c.resource) for c in calls} == {
        ("glue:GetTable", arn % ("glue", f"table/db_{suffix}/t")),
        ("glue:GetDatabase", arn % ("glue", f"database/db_{suffix}")),
        ("sqs:GetQueueAttributes", arn % ("sqs", f"q-{suffix}")),
        ("events:PutEvents", arn % ("events", f"event-bus/bus-{suffix}")),
        ("secretsmanager:GetSecretValue", arn % ("secretsmanager", f"secret:s-{suffix}-XXXXXX")),
        ("glue:CreateJob", arn % ("glue", f"job/job-{suffix}")),
        ("iam:PassRole", ROLE),  # the job's role, handed to Glue: AWS checks the caller may pass it
    }
