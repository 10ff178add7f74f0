"""The async (aiobotocore) clients the triggerer runs, against the local AWS, in a second region:
the Amazon provider's own triggers, as a deferred AthenaOperator, GlueCrawlerRunOperator and
S3KeySensor hand them over, driven to their event here."""

from __future__ import annotations

import asyncio
import json
import uuid
from urllib.parse import unquote_plus

from airflow.providers.amazon.aws.triggers.athena import AthenaTrigger
from airflow.providers.amazon.aws.triggers.glue_crawler import GlueCrawlerCompleteTrigger
from airflow.providers.amazon.aws.triggers.s3 import S3KeyTrigger

from pipelines.settings import SETTINGS
from tests.support.regions import SECOND_REGION as REGION
from tests.support.triggers import first_event

ROLE = "arn:aws:iam::123456789012:role/async-client-tests"
AWS = {"aws_conn_id": SETTINGS.aws_conn_id, "region_name": REGION}


def start_query(eu, bucket: str, sql: str) -> str:
    return eu.client("athena").start_query_execution(
        QueryString=sql, ResultConfiguration={"OutputLocation": f"s3://{bucket}/results/"}
    )["QueryExecutionId"]


def test_athena_trigger_waits_for_a_query_and_hands_back_its_id(eu, bucket):
    qid = start_query(eu, bucket, "SELECT 6 * 7 AS answer")
    event = first_event(AthenaTrigger(qid, waiter_delay=1, waiter_max_attempts=60, **AWS))
    assert event == {"status": "success", "value": qid}
    rows = eu.client("athena").get_query_results(QueryExecutionId=qid)["ResultSet"]["Rows"]
    assert rows[1]["Data"][0]["VarCharValue"] == "42"


def test_athena_trigger_reports_a_failed_query_with_athenas_reason(eu, bucket):
    qid = start_query(eu, bucket, "SELECT * FROM no_such_database.no_such_table")
    event = first_event(AthenaTrigger(qid, waiter_delay=1, waiter_max_attempts=60, **AWS))
    assert event["status"] == "error" and event["value"] == qid
    assert "SCHEMA_NOT_FOUND: line 1:15: Schema 'no_such_database' does not exist" in event["message"]


def test_crawler_trigger_waits_for_the_crawl_in_that_region(eu, bucket):
    database, crawler = f"async_{uuid.uuid4().hex[:8]}", f"async-{uuid.uuid4().hex[:8]}"
    s3, glue = eu.client("s3"), eu.client("glue")
    s3.put_object(Bucket=bucket, Key="events/day=2020-07-14/part-0.json", Body=b'{"id": 1, "kind": "a"}\n')
    glue.create_database(DatabaseInput={"Name": database})
    glue.create_crawler(
        Name=crawler, Role=ROLE, DatabaseName=database, Targets={"S3Targets": [{"Path": f"s3://{bucket}/events/"}]}
    )
    glue.start_crawler(Name=crawler)
    event = first_event(GlueCrawlerCompleteTrigger(crawler, waiter_delay=1, **AWS))
    assert event == {"status": "success", "value": None}
    assert glue.get_crawler(Name=crawler)["Crawler"]["LastCrawl"]["Status"] == "SUCCEEDED"
    table = glue.get_table(DatabaseName=database, Name="events")["Table"]
    assert [c["Name"] for c in table["StorageDescriptor"]["Columns"]] == ["id", "kind"]


def test_s3_key_trigger_fires_once_the_key_lands(eu, bucket):
    key = f"landing/{uuid.uuid4().hex[:8]}.json"

    async def land_later() -> dict:
        trigger = S3KeyTrigger(bucket_name=bucket, bucket_key=key, poke_interval=0.2, **AWS)
        waiting = asyncio.ensure_future(trigger.run().__anext__())
        await asyncio.sleep(1)
        assert not waiting.done(), "fired before the key existed"
        await asyncio.to_thread(eu.client("s3").put_object, Bucket=bucket, Key=key, Body=json.dumps({}).encode())
        return (await asyncio.wait_for(waiting, timeout=30)).payload

    assert asyncio.run(land_later())["status"] == "success"


def test_sqs_trigger_of_an_asset_watcher_hands_back_a_buckets_object_created_event(eu, bucket):
    """The uber_movement DAG's watcher: S3 notifies SQS, the provider's SqsSensorTrigger reads
    and deletes the message (as the triggerer runs it for an AssetWatcher)."""
    from airflow.providers.amazon.aws.triggers.sqs import SqsSensorTrigger

    sqs, s3 = eu.client("sqs"), eu.client("s3")
    url = sqs.create_queue(QueueName=f"arrivals-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "arrivals/"}]}},
                }
            ]
        },
    )
    s3.put_object(Bucket=bucket, Key="elsewhere/x.json", Body=b"{}\n")  # not under the prefix: no message
    s3.put_object(Bucket=bucket, Key="arrivals/2026/03/02/01/part-1", Body=b'{"a": 1}\n')

    trigger = SqsSensorTrigger(
        sqs_queue=url, max_messages=10, num_batches=1, wait_time_seconds=1, waiter_delay=1, **AWS
    )
    event = first_event(trigger)
    assert event["status"] == "success"
    bodies = [json.loads(message["Body"]) for message in event["message_batch"]]
    assert bodies[0]["Event"] == "s3:TestEvent"  # what S3 sends when the configuration is set, as on AWS
    [record] = [r for body in bodies[1:] for r in body["Records"]]
    assert record["eventName"] == "ObjectCreated:Put"
    assert unquote_plus(record["s3"]["object"]["key"]) == "arrivals/2026/03/02/01/part-1"  # keys come URL-encoded
    assert record["awsRegion"] == REGION
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages") is None  # deleted on reception
