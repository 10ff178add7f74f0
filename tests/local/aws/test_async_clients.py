"""The async (aiobotocore) clients the triggerer runs, against the local AWS, in a second region:
the Amazon provider's own triggers, as a deferred AthenaOperator, GlueCrawlerRunOperator and
S3KeySensor hand them over, driven to their event here."""

from __future__ import annotations

import asyncio
import json
import uuid

from airflow.providers.amazon.aws.triggers.athena import AthenaTrigger
from airflow.providers.amazon.aws.triggers.glue_crawler import GlueCrawlerCompleteTrigger
from airflow.providers.amazon.aws.triggers.s3 import S3KeyTrigger

from pipelines.settings import SETTINGS
from tests.support.regions import SECOND_REGION as REGION

ROLE = "arn:aws:iam::123456789012:role/async-client-tests"
AWS = {"aws_conn_id": SETTINGS.aws_conn_id, "region_name": REGION}


def first_event(trigger) -> dict:
    """What the triggerer would hand back to the task: the trigger's first event."""

    async def run() -> dict:
        async for event in trigger.run():
            return event.payload
        raise AssertionError("the trigger ended without an event")

    return asyncio.run(asyncio.wait_for(run(), timeout=120))


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
