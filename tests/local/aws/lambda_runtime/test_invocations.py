"""Lambda Invoke runs the deployment package for real: payloads, environment, errors, timeout, logs."""

from __future__ import annotations

import base64
import io
import json
import re
import textwrap
import time
import uuid
import zipfile
from datetime import UTC, datetime

import pytest
from botocore.exceptions import ClientError

ROLE = "arn:aws:iam::123456789012:role/lambda-runtime-tests"
BUCKET = "lambda-runtime-tests"


def package(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, source in files.items():
            archive.writestr(name, textwrap.dedent(source))
    return buffer.getvalue()


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def aws(local_aws):
    iam = local_aws.client("iam")
    try:
        iam.create_role(RoleName=ROLE.rsplit("/", 1)[1], AssumeRolePolicyDocument="{}")
    except iam.exceptions.EntityAlreadyExistsException:
        pass
    s3 = local_aws.client("s3")
    try:
        s3.create_bucket(Bucket=BUCKET)
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
    return local_aws


def create_function(aws, files: dict[str, str], handler: str = "app.handler", **extra) -> str:
    name = unique("fn")
    aws.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=ROLE,
        Handler=handler,
        Code={"ZipFile": package(files)},
        **extra,
    )
    return name


def invoke(aws, name: str, event: object = None, **kwargs) -> tuple[dict, object]:
    response = aws.client("lambda").invoke(
        FunctionName=name, Payload=json.dumps(event if event is not None else {}), **kwargs
    )
    body = response["Payload"].read()
    return response, json.loads(body) if body else None


def s3_text(aws, key: str) -> str:
    return aws.client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()


def s3_exists(aws, key: str) -> bool:
    return aws.client("s3").list_objects_v2(Bucket=BUCKET, Prefix=key).get("KeyCount", 0) > 0


def test_payload_round_trip_with_context_and_environment(aws):
    name = create_function(
        aws,
        {
            "app.py": """
                import os

                def handler(event, context):
                    return {
                        "total": sum(event["numbers"]),
                        "greeting": os.environ["GREETING"],
                        "region": os.environ["AWS_REGION"],
                        "function_name": context.function_name,
                        "function_version": context.function_version,
                        "arn": context.invoked_function_arn,
                        "memory": context.memory_limit_in_mb,
                        "log_group": context.log_group_name,
                        "remaining": context.get_remaining_time_in_millis(),
                    }
            """
        },
        Environment={"Variables": {"GREETING": "hallo"}},
        MemorySize=256,
        Timeout=7,
    )

    # A "qualifier" key in the event must not be taken for the Qualifier parameter.
    response, payload = invoke(aws, name, {"numbers": [2, 3, 4], "qualifier": "9"})

    assert response["StatusCode"] == 200
    assert "FunctionError" not in response
    assert response["ExecutedVersion"] == "$LATEST"
    assert 5000 < payload.pop("remaining") <= 7000
    assert payload == {
        "total": 9,
        "greeting": "hallo",
        "region": "us-east-1",
        "function_name": name,
        "function_version": "$LATEST",
        "arn": f"arn:aws:lambda:us-east-1:123456789012:function:{name}",
        "memory": "256",
        "log_group": f"/aws/lambda/{name}",
    }


def test_handler_in_a_package_uses_boto3_against_local_s3(aws):
    source_key = f"{unique('in')}/orders.csv"
    aws.client("s3").put_object(Bucket=BUCKET, Key=source_key, Body=b"id,qty\n1,3\n2,5\n")
    name = create_function(
        aws,
        {
            "jobs/__init__.py": "",
            "jobs/orders/__init__.py": "",
            "jobs/orders/summarize.py": """
                import boto3

                s3 = boto3.client("s3")

                def run(event, context):
                    body = s3.get_object(Bucket=event["bucket"], Key=event["key"])["Body"].read().decode()
                    quantities = [int(line.split(",")[1]) for line in body.splitlines()[1:]]
                    out_key = event["key"] + ".total"
                    s3.put_object(Bucket=event["bucket"], Key=out_key, Body=str(sum(quantities)).encode())
                    return {"rows": len(quantities), "written": out_key}
            """,
        },
        handler="jobs.orders.summarize.run",
    )

    _, payload = invoke(aws, name, {"bucket": BUCKET, "key": source_key})

    assert payload == {"rows": 2, "written": f"{source_key}.total"}
    assert s3_text(aws, f"{source_key}.total") == "8"


def test_unhandled_exception_is_returned_as_aws_does(aws):
    name = create_function(
        aws,
        {
            "app.py": """
                class InvalidOrder(Exception):
                    pass

                def check(order):
                    if not order["lines"]:
                        raise InvalidOrder(f"order {order['id']} has no lines")

                def handler(event, context):
                    check(event)
                    return "unreachable"
            """
        },
    )

    response, payload = invoke(aws, name, {"id": 7, "lines": []}, LogType="Tail")

    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    assert set(payload) == {"errorMessage", "errorType", "requestId", "stackTrace"}
    assert payload["errorType"] == "InvalidOrder"
    assert payload["errorMessage"] == "order 7 has no lines"
    assert [re.search(r"line (\d+), in (\w+)", frame).groups() for frame in payload["stackTrace"]] == [
        ("10", "handler"),
        ("7", "check"),
    ]
    assert "raise InvalidOrder" in payload["stackTrace"][1]
    tail = base64.b64decode(response["LogResult"]).decode()
    assert f"START RequestId: {payload['requestId']} Version: $LATEST" in tail
    assert "[ERROR] InvalidOrder: order 7 has no lines" in tail


def test_missing_handler_module_is_an_import_error(aws):
    name = create_function(aws, {"app.py": "def handler(event, context):\n    return 1\n"}, handler="missing.handler")

    response, payload = invoke(aws, name)

    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "Runtime.ImportModuleError"
    assert payload["errorMessage"] == "Unable to import module 'missing': No module named 'missing'"


def process_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_timeout_kills_the_function_and_what_it_started(aws):
    name = create_function(
        aws,
        {
            "app.py": """
                import os
                import subprocess
                import time

                def handler(event, context):
                    helper = subprocess.Popen(["sleep", "60"])
                    print(f"pids {os.getpid()} {helper.pid}", flush=True)
                    time.sleep(60)
                    return "finished"
            """
        },
        Timeout=1,
    )

    started = time.monotonic()
    response, payload = invoke(aws, name, LogType="Tail")
    elapsed = time.monotonic() - started

    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "Sandbox.Timedout"
    assert payload["errorMessage"].endswith("Task timed out after 1.00 seconds")
    assert 1.0 <= elapsed < 15
    tail = base64.b64decode(response["LogResult"]).decode()
    assert re.search(r"\d{4}-\d\d-\d\dT[\d:.]+Z [0-9a-f-]{36} Task timed out after 1.00 seconds", tail)
    pids = [int(pid) for pid in re.search(r"pids (\d+) (\d+)", tail).groups()]
    assert [process_alive(pid) for pid in pids] == [False, False]


def test_event_invocation_returns_at_once_and_runs_in_the_background(aws):
    key = unique("async")
    name = create_function(
        aws,
        {
            "app.py": """
                import time
                import boto3

                def handler(event, context):
                    time.sleep(1)
                    body = ",".join(str(n * n) for n in event["numbers"])
                    boto3.client("s3").put_object(Bucket=event["bucket"], Key=event["key"], Body=body.encode())
            """
        },
    )

    started = time.monotonic()
    response, payload = invoke(aws, name, {"numbers": [1, 2, 3], "bucket": BUCKET, "key": key}, InvocationType="Event")

    assert response["StatusCode"] == 202
    assert payload is None
    assert time.monotonic() - started < 1.0
    assert not s3_exists(aws, key)
    deadline = time.monotonic() + 20
    while not s3_exists(aws, key) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert s3_text(aws, key) == "1,4,9"


def test_dry_run_does_not_execute(aws):
    name = create_function(aws, {"app.py": "def handler(event, context):\n    print('ran')\n"})

    response, payload = invoke(aws, name, InvocationType="DryRun")

    assert response["StatusCode"] == 204
    assert payload is None
    logs = aws.client("logs")
    groups = logs.describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{name}")["logGroups"]
    assert groups == []


def test_logs_reach_cloudwatch(aws):
    name = create_function(
        aws,
        {
            "app.py": """
                import logging

                logger = logging.getLogger()
                logger.setLevel(logging.INFO)

                def handler(event, context):
                    print("processing", event["batch"])
                    logger.info("batch %s done", event["batch"])
                    return context.aws_request_id
            """
        },
    )

    before = datetime.now(UTC)
    _, request_id = invoke(aws, name, {"batch": 42})
    days = {f"{moment:%Y/%m/%d}" for moment in (before, datetime.now(UTC))}  # the invocation's day, even at midnight

    logs = aws.client("logs")
    streams = logs.describe_log_streams(logGroupName=f"/aws/lambda/{name}")["logStreams"]
    assert len(streams) == 1
    stream = streams[0]["logStreamName"]
    assert re.fullmatch(r"\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}", stream)
    assert stream[:10] in days
    events = logs.get_log_events(logGroupName=f"/aws/lambda/{name}", logStreamName=stream)["events"]
    messages = [e["message"] for e in events]
    assert messages[0] == f"START RequestId: {request_id} Version: $LATEST"
    assert messages[1] == "processing 42"
    assert re.fullmatch(
        rf"\[INFO\]\t\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{3}}Z\t{request_id}\tbatch 42 done", messages[2]
    )
    assert messages[3] == f"END RequestId: {request_id}"
    assert messages[4].startswith(f"REPORT RequestId: {request_id}\tDuration: ")
    assert len(messages) == 5


def test_log_tail_is_the_last_4_kb(aws):
    name = create_function(
        aws,
        {
            "app.py": """
                def handler(event, context):
                    for i in range(200):
                        print(f"line-{i:03d} " + "x" * 30)
                    return i
            """
        },
    )

    tailed, result = invoke(aws, name, LogType="Tail")
    plain, _ = invoke(aws, name)

    assert result == 199
    tail = base64.b64decode(tailed["LogResult"])
    assert 3900 < len(tail) <= 4096
    lines = tail.decode().splitlines()
    assert lines[-1].startswith("REPORT RequestId: ")
    assert lines[-2].startswith("END RequestId: ")
    assert lines[-3] == "line-199 " + "x" * 30
    assert "line-000" not in tail.decode()
    assert "LogResult" not in plain


def test_code_from_s3_and_published_versions(aws):
    key = f"{unique('packages')}/app.zip"
    v1 = package({"app.py": "def handler(event, context):\n    return 'v1:' + event['who']\n"})
    v2 = package({"app.py": "def handler(event, context):\n    return 'v2:' + event['who']\n"})
    aws.client("s3").put_object(Bucket=BUCKET, Key=key, Body=v1)
    client = aws.client("lambda")
    name = unique("fn")
    client.create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=ROLE,
        Handler="app.handler",
        Code={"S3Bucket": BUCKET, "S3Key": key},
    )
    client.publish_version(FunctionName=name)
    client.update_function_code(FunctionName=name, ZipFile=v2)

    latest, latest_payload = invoke(aws, name, {"who": "ann"})
    first, first_payload = invoke(aws, name, {"who": "bob"}, Qualifier="1")

    assert (latest["ExecutedVersion"], latest_payload) == ("$LATEST", "v2:ann")
    assert (first["ExecutedVersion"], first_payload) == ("1", "v1:bob")


def test_payload_that_is_not_json_is_rejected(aws):
    name = create_function(aws, {"app.py": "def handler(event, context):\n    return event\n"})

    with pytest.raises(ClientError) as raised:
        aws.client("lambda").invoke(FunctionName=name, Payload=b"{not json")

    assert raised.value.response["Error"]["Code"] == "InvalidRequestContentException"


def test_runtime_exit_is_reported(aws):
    name = create_function(aws, {"app.py": "import sys\n\ndef handler(event, context):\n    sys.exit(3)\n"})

    response, payload = invoke(aws, name)

    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "Runtime.ExitError"
    assert payload["errorMessage"].endswith("Error: Runtime exited with error: exit status 3")


def test_layers_are_importable(aws):
    client = aws.client("lambda")
    layer = client.publish_layer_version(
        LayerName=unique("layer"),
        Content={"ZipFile": package({"python/units.py": "def to_kmh(ms):\n    return round(ms * 3.6, 1)\n"})},
        CompatibleRuntimes=["python3.11"],
    )
    name = create_function(
        aws,
        {"app.py": "import units\n\ndef handler(event, context):\n    return units.to_kmh(event['ms'])\n"},
        Layers=[layer["LayerVersionArn"]],
    )

    _, payload = invoke(aws, name, {"ms": 12.5})

    assert payload == 45.0
