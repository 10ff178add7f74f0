"""Create the project's AWS resources in an endpoint: ``python -m local.provision --endpoint-url URL``.

Idempotent: existing resources are left as they are, so it can run before every start.
Names come from the same settings module the DAGs read.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from deploy.glue_scripts import upload_glue_scripts
from deploy.vehicle_api_lambda import deploy_downloader, put_secret
from local import mwaa_workers
from local.aws import pace
from local.aws.credentials import local_client
from local.sources import traffic as feed
from pipelines import run_ledger
from pipelines.settings import Settings, load
from pipelines.uber_movement.tables import RAW_PREFIX as UBER_RAW_PREFIX

# The sample vehicle API's default OAuth client (local.sources.vehicle_api).
LOCAL_API_CLIENT = ("local-client", "local-secret")
SAMPLE_TRAFFIC_SEED = 1
SAMPLE_TRAFFIC_DETECTORS = 12
# Firehose's buffer for the Uber Movement stream: AWS allows 0-900 s; a local stack wants rows
# soon, unless it keeps AWS's pace (then the stream is buffered as deployed).
FIREHOSE_BUFFER_SECONDS = 5
# Every queue's redrive, as deploy/pipelines.yaml sets it.
MAX_RECEIVES = 5
DEAD_LETTER_RETENTION_SECONDS = 1_209_600


def _ignore(error_codes: tuple[str, ...], call: Callable[..., object], **kwargs: object) -> None:
    try:
        call(**kwargs)
    except ClientError as err:
        if err.response["Error"]["Code"] not in error_codes:
            raise


def bucket_location(bucket: str, region: str) -> dict[str, Any]:
    """CreateBucket's arguments: outside us-east-1, S3 requires the region as LocationConstraint."""
    if region == "us-east-1":
        return {"Bucket": bucket}
    return {"Bucket": bucket, "CreateBucketConfiguration": {"LocationConstraint": region}}


def queue_with_dead_letters(sqs: BaseClient, name: str) -> tuple[str, str]:
    """The queue ``name`` (URL, ARN) whose messages received 5 times go to ``<name>-dlq``, kept
    14 days: the template's queues, each with its dead-letter queue."""

    def create(queue: str, attributes: dict[str, str]) -> tuple[str, str]:
        url = sqs.create_queue(QueueName=queue, Attributes=attributes)["QueueUrl"]
        return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    _, dead_letters = create(f"{name}-dlq", {"MessageRetentionPeriod": str(DEAD_LETTER_RETENTION_SECONDS)})
    redrive = {"deadLetterTargetArn": dead_letters, "maxReceiveCount": MAX_RECEIVES}
    return create(name, {"RedrivePolicy": json.dumps(redrive)})


def subscribe_failure_queue(events: BaseClient, sqs: BaseClient, settings: Settings) -> str:
    """An SQS queue receiving every pipeline failure event of the bus, through a rule."""
    _, arn = queue_with_dead_letters(sqs, settings.failure_queue)
    rule = f"{settings.event_bus}-failures"
    events.put_rule(
        Name=rule, EventBusName=settings.event_bus, EventPattern=json.dumps({"source": [{"prefix": "pipelines."}]})
    )
    events.put_targets(Rule=rule, EventBusName=settings.event_bus, Targets=[{"Id": "failure-queue", "Arn": arn}])
    return f"rule {rule} on {settings.event_bus} -> sqs {settings.failure_queue}"


def arrival_stream(client: Callable[[str], BaseClient], settings: Settings, buffer_seconds: int) -> list[str]:
    """Uber Movement's arrival path: Kinesis stream -> Firehose -> raw bucket, whose ObjectCreated
    events under uber_movement/ go to the SQS queue the uber_movement DAG's asset watcher reads."""
    kinesis, firehose, sqs, s3 = client("kinesis"), client("firehose"), client("sqs"), client("s3")
    _ignore(("ResourceInUseException",), kinesis.create_stream, StreamName=settings.uber_movement_stream, ShardCount=2)
    kinesis.get_waiter("stream_exists").wait(StreamName=settings.uber_movement_stream)
    stream_arn = kinesis.describe_stream_summary(StreamName=settings.uber_movement_stream)["StreamDescriptionSummary"][
        "StreamARN"
    ]
    account = stream_arn.split(":")[4]
    _ignore(
        ("ResourceInUseException",),
        firehose.create_delivery_stream,
        DeliveryStreamName=settings.uber_movement_delivery_stream,
        DeliveryStreamType="KinesisStreamAsSource",
        KinesisStreamSourceConfiguration={
            "KinesisStreamARN": stream_arn,
            "RoleARN": f"arn:aws:iam::{account}:role/pipelines-{settings.env}-firehose",
        },
        ExtendedS3DestinationConfiguration={
            "RoleARN": f"arn:aws:iam::{account}:role/pipelines-{settings.env}-firehose",
            "BucketARN": f"arn:aws:s3:::{settings.raw_bucket}",
            "Prefix": UBER_RAW_PREFIX,
            "ErrorOutputPrefix": "uber_movement_firehose_errors/",
            "BufferingHints": {"IntervalInSeconds": buffer_seconds, "SizeInMBs": 5},
            "CompressionFormat": "UNCOMPRESSED",
        },
    )
    queue_name = settings.uber_movement_queue_url.rsplit("/", 1)[1]
    _, queue_arn = queue_with_dead_letters(sqs, queue_name)
    s3.put_bucket_notification_configuration(
        Bucket=settings.raw_bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "Id": "uber-movement-arrivals",
                    "QueueArn": queue_arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": UBER_RAW_PREFIX}]}},
                }
            ]
        },
    )
    return [
        f"kinesis stream {settings.uber_movement_stream} (2 shards)",
        f"firehose {settings.uber_movement_delivery_stream} -> s3://{settings.raw_bucket}/{UBER_RAW_PREFIX} "
        f"(buffer {buffer_seconds} s)",
        f"s3://{settings.raw_bucket}/{UBER_RAW_PREFIX} ObjectCreated -> sqs {queue_name}",
    ]


def celery_queue(sqs: BaseClient, endpoint_url: str, settings: Settings) -> str:
    """The environment's Celery task queue, which MWAA creates with the environment."""
    name = mwaa_workers.queue_name(settings)
    visibility = str(mwaa_workers.VISIBILITY_TIMEOUT_SECONDS)
    url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": visibility})["QueueUrl"]
    given = mwaa_workers.queue_url(endpoint_url, settings)  # the URL the workers were given
    if url != given:
        raise RuntimeError(f"the local SQS named the Celery queue {url}, not {given}")
    return f"sqs {name} (Celery's task queue, visibility {visibility} s)"


def provision(
    endpoint_url: str,
    settings: Settings,
    secrets: dict[str, dict] | None = None,
    vehicle_api_url: str | None = None,
    traffic_days: int = 0,
) -> list[str]:
    """Create buckets, Glue databases, the Athena workgroup, secrets and the event bus.

    ``secrets`` maps secret names to JSON values written on every run (local values change
    with the ports of the sample services). With ``vehicle_api_url`` (the sample API), the
    downloader Lambda is deployed and its secret points at that API. With ``traffic_days``,
    generated traffic (``local.sources.traffic``, seed ``SAMPLE_TRAFFIC_SEED``) lands in the raw
    bucket for the last ``traffic_days`` whole UTC days, late arrivals included, so the
    scheduled traffic_batch run has its day. Returns a line per resource for the log; secret
    values are never in it.
    """

    def client(service: str) -> BaseClient:
        return local_client(service, endpoint_url, settings.region)

    done = []
    s3 = client("s3")
    for bucket in (
        settings.raw_bucket,
        settings.lake_bucket,
        settings.athena_results_bucket,
        settings.artifacts_bucket,
    ):
        _ignore(
            ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"),
            s3.create_bucket,
            **bucket_location(bucket, settings.region),
        )
        done.append(f"bucket s3://{bucket}")

    glue = client("glue")
    databases = (settings.raw_database, settings.lake_database, settings.aggregated_database, settings.ledger_database)
    for database in databases:
        _ignore(("AlreadyExistsException",), glue.create_database, DatabaseInput={"Name": database})
        done.append(f"glue database {database}")
    ledger = run_ledger.table_input(settings)
    _ignore(("AlreadyExistsException",), glue.create_table, DatabaseName=settings.ledger_database, TableInput=ledger)
    done.append(f"glue table {settings.ledger_database}.{ledger['Name']}")

    athena = client("athena")
    _ignore(
        ("InvalidRequestException",),
        athena.create_work_group,
        Name=settings.athena_workgroup,
        Configuration={"ResultConfiguration": {"OutputLocation": settings.athena_output_location}},
    )
    done.append(f"athena workgroup {settings.athena_workgroup} -> {settings.athena_output_location}")

    events = client("events")
    _ignore(("ResourceAlreadyExistsException",), events.create_event_bus, Name=settings.event_bus)
    done.append(f"event bus {settings.event_bus}")
    done.append(subscribe_failure_queue(events, client("sqs"), settings))
    done.append(celery_queue(client("sqs"), endpoint_url, settings))
    done.extend(upload_glue_scripts(s3, settings))
    buffer_seconds = int(pace.profile(settings.local_pace).firehose_buffer_seconds) or FIREHOSE_BUFFER_SECONDS
    done.extend(arrival_stream(client, settings, buffer_seconds))

    sm = client("secretsmanager")
    for name, value in (secrets or {}).items():
        put_secret(sm, name, value)
        done.append(f"secret {name}")

    if vehicle_api_url is not None:
        credentials = {
            "base_url": vehicle_api_url,
            "client_id": LOCAL_API_CLIENT[0],
            "client_secret": LOCAL_API_CLIENT[1],
        }
        done.extend(deploy_downloader(client, settings, credentials))
    if traffic_days > 0:
        today = datetime.now(UTC).date()
        first = today - timedelta(days=traffic_days)
        written = feed.write_range(
            s3, settings.raw_bucket, first - timedelta(days=1), today, SAMPLE_TRAFFIC_SEED, SAMPLE_TRAFFIC_DETECTORS
        )
        done.append(f"sample traffic {first}..{today - timedelta(days=1)}: {len(written.keys)} objects")
    return done


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m local.provision", description=__doc__)
    parser.add_argument("--endpoint-url", default=os.environ.get("AWS_ENDPOINT_URL", "http://127.0.0.1:4566"))
    parser.add_argument("--vehicle-api-url", help="deploy the downloader Lambda against this API")
    parser.add_argument(
        "--traffic-days", type=int, default=0, help="write generated traffic for the last N whole UTC days"
    )
    args = parser.parse_args(argv)
    settings = load()
    for line in provision(
        args.endpoint_url, settings, vehicle_api_url=args.vehicle_api_url, traffic_days=args.traffic_days
    ):
        print(f"ok  {line}")


if __name__ == "__main__":
    main()
