"""The provider's crawler operators and GlueCrawlerSensor against the local crawler, in dag.test() runs."""

from __future__ import annotations

import json
import uuid

import boto3
import pytest
from airflow.providers.amazon.aws.operators.glue_crawler import (
    GlueCrawlerCreateOperator,
    GlueCrawlerRunOperator,
    GlueCrawlerUpdateOperator,
)
from airflow.providers.amazon.aws.sensors.glue_crawler import GlueCrawlerSensor
from airflow.sdk import task

from pipelines.crawler_errors import log_crawl_error
from pipelines.settings import SETTINGS
from tests.support.dag_runner import run_dag, tiny_dag

BUCKET = SETTINGS.raw_bucket


@pytest.fixture
def uid() -> str:
    return uuid.uuid4().hex[:8]


@pytest.fixture
def database(local_aws, uid) -> str:
    name = f"op_crawl_{uid}"
    local_aws.client("glue").create_database(DatabaseInput={"Name": name})
    return name


def put_json_lines(s3, key: str, records: list[dict]) -> None:
    s3.put_object(Bucket=BUCKET, Key=key, Body="".join(json.dumps(r) + "\n" for r in records).encode())


def crawler_config(name: str, database: str, path: str) -> dict:
    return {
        "Name": name,
        "Role": SETTINGS.glue_role,
        "DatabaseName": database,
        "Targets": {"S3Targets": [{"Path": path, "Exclusions": ["**/_tmp/**"]}]},
        "TablePrefix": "raw_",
        "SchemaChangePolicy": {"UpdateBehavior": "UPDATE_IN_DATABASE", "DeleteBehavior": "LOG"},
    }


def test_crawler_operators_create_then_recrawl_a_partitioned_table(local_aws, airflow_db, uid, database):
    s3, glue = local_aws.client("s3"), local_aws.client("glue")
    root = f"{uid}/vehicle-positions"
    put_json_lines(
        s3,
        f"{root}/dt=2026-03-01/hour=08/a.json",
        [{"vin": "V1", "lat": 52.5, "lon": 13.4, "speed": 40}, {"vin": "V2", "lat": 48.1, "lon": 11.6, "speed": 0}],
    )
    put_json_lines(s3, f"{root}/dt=2026-03-01/hour=09/a.json", [{"vin": "V1", "lat": 52.6, "lon": 13.5, "speed": 55}])
    config = crawler_config(f"positions-{uid}", database, f"s3://{BUCKET}/{root}/")
    endpoint, region = local_aws.endpoint_url, local_aws.region

    with tiny_dag(f"glue_crawler_operator_{uid}") as dag:
        create = GlueCrawlerCreateOperator(task_id="create", config=config)
        crawl = GlueCrawlerRunOperator(task_id="crawl", crawler_name=config["Name"], poll_interval=1)

        @task
        def land_next_hour() -> None:
            client = boto3.client(
                "s3", endpoint_url=endpoint, region_name=region, aws_access_key_id="t", aws_secret_access_key="t"
            )
            put_json_lines(
                client,
                f"{root}/dt=2026-03-02/hour=00/a.json",
                [{"vin": "V3", "lat": 50.1, "lon": 8.7, "speed": 31, "heading": 270}],
            )

        update = GlueCrawlerUpdateOperator(task_id="update", config=config)
        crawl_again = GlueCrawlerRunOperator(task_id="crawl_again", crawler_name=config["Name"], poll_interval=1)
        create >> crawl >> land_next_hour() >> update >> crawl_again

    states = run_dag(dag)

    assert states == {
        "create": "success",
        "crawl": "success",
        "land_next_hour": "success",
        "update": "success",
        "crawl_again": "success",
    }
    table = glue.get_table(DatabaseName=database, Name="raw_vehicle_positions")["Table"]
    assert [(c["Name"], c["Type"]) for c in table["StorageDescriptor"]["Columns"]] == [
        ("vin", "string"),
        ("lat", "double"),
        ("lon", "double"),
        ("speed", "int"),
        ("heading", "int"),
    ]
    assert table["PartitionKeys"] == [{"Name": "dt", "Type": "string"}, {"Name": "hour", "Type": "string"}]
    assert table["StorageDescriptor"]["Location"] == f"s3://{BUCKET}/{root}/"
    partitions = glue.get_partitions(DatabaseName=database, TableName="raw_vehicle_positions")["Partitions"]
    assert sorted(p["Values"] for p in partitions) == [["2026-03-01", "08"], ["2026-03-01", "09"], ["2026-03-02", "00"]]
    assert {p["StorageDescriptor"]["Location"] for p in partitions} == {
        f"s3://{BUCKET}/{root}/dt=2026-03-01/hour=08/",
        f"s3://{BUCKET}/{root}/dt=2026-03-01/hour=09/",
        f"s3://{BUCKET}/{root}/dt=2026-03-02/hour=00/",
    }
    crawler = glue.get_crawler(Name=f"positions-{uid}")["Crawler"]
    assert (crawler["State"], crawler["LastCrawl"]["Status"]) == ("READY", "SUCCEEDED")
    assert len(glue.list_crawls(CrawlerName=f"positions-{uid}")["Crawls"]) == 2


def test_create_update_run_operators_and_sensor(local_aws, airflow_db, uid, database):
    s3, glue = local_aws.client("s3"), local_aws.client("glue")
    root = f"{uid}/firehose"
    for hour in ("22", "23"):
        put_json_lines(s3, f"{root}/2026/02/28/{hour}/stream-{hour}", [{"event": "hit", "n": int(hour)}])
    config = crawler_config(f"firehose-{uid}", database, f"s3://{BUCKET}/{root}/")

    with tiny_dag(f"glue_crawler_sensor_{uid}") as dag:
        create_crawler = GlueCrawlerCreateOperator(task_id="create_crawler", config=config)
        update_crawler = GlueCrawlerUpdateOperator(
            task_id="update_crawler", config={**config, "TablePrefix": "landing_"}
        )
        start_crawl = GlueCrawlerRunOperator(
            task_id="start_crawl", crawler_name=config["Name"], wait_for_completion=False
        )
        wait_crawl = GlueCrawlerSensor(task_id="wait_crawl", crawler_name=config["Name"], poke_interval=0.2, timeout=60)
        create_crawler >> update_crawler >> start_crawl >> wait_crawl

    states = run_dag(dag)

    assert set(states.values()) == {"success"}
    table = glue.get_table(DatabaseName=database, Name="landing_firehose")["Table"]
    assert [(c["Name"], c["Type"]) for c in table["StorageDescriptor"]["Columns"]] == [
        ("event", "string"),
        ("n", "int"),
    ]
    assert [k["Name"] for k in table["PartitionKeys"]] == ["partition_0", "partition_1", "partition_2", "partition_3"]
    partitions = glue.get_partitions(DatabaseName=database, TableName="landing_firehose")["Partitions"]
    assert sorted(p["Values"] for p in partitions) == [["2026", "02", "28", "22"], ["2026", "02", "28", "23"]]
    assert glue.get_crawler(Name=config["Name"])["Crawler"]["Version"] == 2


def test_failed_crawl_fails_the_operator_and_the_sensor(local_aws, airflow_db, uid, capsys, caplog):
    put_json_lines(local_aws.client("s3"), f"{uid}/orphan/a.json", [{"k": 1}])
    config = crawler_config(f"orphan-{uid}", f"no_such_db_{uid}", f"s3://{BUCKET}/{uid}/orphan/")

    with tiny_dag(f"glue_crawler_failure_{uid}") as dag:
        create = GlueCrawlerCreateOperator(task_id="create", config=config)
        crawl = GlueCrawlerRunOperator(
            task_id="crawl", crawler_name=config["Name"], poll_interval=1, on_failure_callback=log_crawl_error
        )
        sense = GlueCrawlerSensor(
            task_id="sense", crawler_name=config["Name"], poke_interval=0.2, timeout=60, trigger_rule="all_done"
        )
        create >> crawl >> sense

    states = run_dag(dag)

    assert states["crawl"] == "failed"
    assert states["sense"] == "failed"
    out = capsys.readouterr()
    assert "Crawler.LastCrawl.Status == 'FAILED'" in out.out + out.err
    assert "Status: FAILED" in out.out + out.err
    # The DAGs' callback puts the crawler's own reason into the task log.
    assert f"last crawl FAILED: Database no_such_db_{uid} not found." in caplog.text
    crawler = local_aws.client("glue").get_crawler(Name=config["Name"])["Crawler"]
    assert crawler["LastCrawl"]["ErrorMessage"] == f"Database no_such_db_{uid} not found."
