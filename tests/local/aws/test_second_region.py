"""Every engine acts in the region of the request, as AWS does: the same calls in eu-west-1.

Each test talks to the shared local AWS with clients in ``eu-west-1`` only (bucket created with
that LocationConstraint) and checks what lands in that region's catalog, logs and S3, and that
nothing lands in ``us-east-1``.
"""

from __future__ import annotations

import io
import json
import textwrap
import time
import uuid
import zipfile

import pytest
from botocore.exceptions import ClientError

from tests.support.athena import wait_for_query
from tests.support.regions import SECOND_REGION as REGION

ROLE = "arn:aws:iam::123456789012:role/second-region-tests"


@pytest.fixture(scope="module")
def database(eu, bucket):
    name = f"eu_{uuid.uuid4().hex[:8]}"
    run_sql(eu, bucket, f"CREATE DATABASE {name}")
    return name


def run_sql(aws, bucket: str, sql: str, database: str = "default") -> dict:
    athena = aws.client("athena")
    qid = athena.start_query_execution(
        QueryString=sql,
        QueryExecutionContext={"Database": database},
        ResultConfiguration={"OutputLocation": f"s3://{bucket}/athena-results/"},
    )["QueryExecutionId"]
    execution = wait_for_query(aws, qid)
    assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"].get("StateChangeReason")
    return execution


def rows(aws, execution: dict) -> list[list[str | None]]:
    result = aws.client("athena").get_query_results(QueryExecutionId=execution["QueryExecutionId"])
    return [[d.get("VarCharValue") for d in r["Data"]] for r in result["ResultSet"]["Rows"][1:]]


def put_lines(aws, bucket: str, key: str, records: list[dict]) -> None:
    body = "".join(json.dumps(r) + "\n" for r in records).encode()
    aws.client("s3").put_object(Bucket=bucket, Key=key, Body=body)


def partition_values(aws, database: str, table: str) -> list[list[str]]:
    pages = aws.client("glue").get_paginator("get_partitions").paginate(DatabaseName=database, TableName=table)
    return sorted(p["Values"] for page in pages for p in page["Partitions"])


def test_athena_ddl_msck_ctas_and_insert_write_the_requests_regional_catalog(eu, local_aws, bucket, database):
    for day, n in (("2026-03-01", 2), ("2026-03-02", 3)):
        put_lines(eu, bucket, f"clicks/dt={day}/part.json", [{"user": f"u{i}", "n": i} for i in range(n)])
    run_sql(
        eu,
        bucket,
        f"CREATE EXTERNAL TABLE {database}.clicks (`user` string, n int) PARTITIONED BY (dt string) "
        f"ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' LOCATION 's3://{bucket}/clicks/'",
    )
    run_sql(eu, bucket, f"MSCK REPAIR TABLE {database}.clicks")
    assert partition_values(eu, database, "clicks") == [["2026-03-01"], ["2026-03-02"]]

    run_sql(
        eu,
        bucket,
        f"CREATE TABLE {database}.totals WITH (format = 'PARQUET', external_location = 's3://{bucket}/totals/', "
        f"partitioned_by = ARRAY['dt']) AS SELECT sum(n) AS total, dt FROM {database}.clicks "
        "WHERE dt = '2026-03-01' GROUP BY dt",
    )
    run_sql(
        eu,
        bucket,
        f"INSERT INTO {database}.totals SELECT sum(n), dt FROM {database}.clicks WHERE dt = '2026-03-02' GROUP BY dt",
    )
    assert partition_values(eu, database, "totals") == [["2026-03-01"], ["2026-03-02"]]
    totals = run_sql(eu, bucket, f"SELECT dt, total FROM {database}.totals ORDER BY dt")
    assert rows(eu, totals) == [["2026-03-01", "1"], ["2026-03-02", "3"]]

    with pytest.raises(ClientError, match="EntityNotFoundException"):
        local_aws.client("glue").get_database(Name=database)  # us-east-1 has no such database


def test_crawler_catalogs_into_the_regional_database(eu, local_aws, bucket, database):
    put_lines(eu, bucket, "events/2026/03/01/07/part-1.json", [{"id": 1, "kind": "a"}, {"id": 2, "kind": "b"}])
    glue = eu.client("glue")
    name = f"eu-crawler-{uuid.uuid4().hex[:8]}"
    glue.create_crawler(
        Name=name, Role=ROLE, DatabaseName=database, Targets={"S3Targets": [{"Path": f"s3://{bucket}/events/"}]}
    )
    glue.start_crawler(Name=name)
    deadline = time.monotonic() + 60
    while glue.get_crawler(Name=name)["Crawler"]["State"] != "READY" and time.monotonic() < deadline:
        time.sleep(0.2)
    crawler = glue.get_crawler(Name=name)["Crawler"]
    assert crawler["LastCrawl"]["Status"] == "SUCCEEDED", crawler["LastCrawl"]
    table = glue.get_table(DatabaseName=database, Name="events")["Table"]
    assert [c["Name"] for c in table["StorageDescriptor"]["Columns"]] == ["id", "kind"]
    assert partition_values(eu, database, "events") == [["2026", "03", "01", "07"]]
    assert glue.get_crawlers()["Crawlers"]
    with pytest.raises(ClientError, match="EntityNotFoundException"):
        local_aws.client("glue").get_crawler(Name=name)


def test_lambda_runs_in_its_region_and_logs_there(eu, local_aws, bucket):
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr(
            "app.py",
            textwrap.dedent(
                """
                import os

                import boto3


                def handler(event, context):
                    print("hello from", os.environ["AWS_REGION"])
                    s3 = boto3.client("s3")
                    s3.put_object(Bucket=event["bucket"], Key="lambda/out.txt", Body=os.environ["AWS_REGION"].encode())
                    return {"region": os.environ["AWS_REGION"], "arn": context.invoked_function_arn}
                """
            ),
        )
    name = f"eu-fn-{uuid.uuid4().hex[:8]}"
    eu.client("iam").create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument="{}")
    eu.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=f"arn:aws:iam::123456789012:role/{name}-role",
        Handler="app.handler",
        Code={"ZipFile": code.getvalue()},
    )
    answer = eu.client("lambda").invoke(FunctionName=name, Payload=json.dumps({"bucket": bucket}))
    payload = json.loads(answer["Payload"].read())
    assert answer.get("FunctionError") is None, payload
    assert payload == {"region": REGION, "arn": f"arn:aws:lambda:{REGION}:123456789012:function:{name}"}
    body = eu.client("s3").get_object(Bucket=bucket, Key="lambda/out.txt")["Body"].read()
    assert body == REGION.encode()
    events = eu.client("logs").filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
    assert any(f"hello from {REGION}" in e["message"] for e in events)
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        local_aws.client("lambda").get_function(FunctionName=name)


def test_firehose_from_a_regional_kinesis_stream_delivers_to_s3(eu, bucket):
    from local.aws.firehose import adapter as firehose_delivery

    stream = f"eu-stream-{uuid.uuid4().hex[:8]}"
    kinesis = eu.client("kinesis")
    kinesis.create_stream(StreamName=stream, ShardCount=1)
    arn = kinesis.describe_stream(StreamName=stream)["StreamDescription"]["StreamARN"]
    assert f":{REGION}:" in arn
    delivery = f"eu-delivery-{uuid.uuid4().hex[:8]}"
    eu.client("firehose").create_delivery_stream(
        DeliveryStreamName=delivery,
        DeliveryStreamType="KinesisStreamAsSource",
        KinesisStreamSourceConfiguration={"KinesisStreamARN": arn, "RoleARN": ROLE},
        ExtendedS3DestinationConfiguration={
            "RoleARN": ROLE,
            "BucketARN": f"arn:aws:s3:::{bucket}",
            "Prefix": "firehose/",
            "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60},
        },
    )
    records = [json.dumps({"i": i}).encode() + b"\n" for i in range(5)]
    kinesis.put_records(StreamName=stream, Records=[{"Data": r, "PartitionKey": str(i)} for i, r in enumerate(records)])
    written: list[str] = []
    deadline = time.monotonic() + 15
    while not written and time.monotonic() < deadline:
        time.sleep(0.3)
        written = firehose_delivery.flush(delivery)
    assert len(written) == 1 and written[0].startswith("firehose/")
    assert eu.client("s3").get_object(Bucket=bucket, Key=written[0])["Body"].read() == b"".join(records)


@pytest.mark.spark
def test_glue_job_reads_the_regional_catalog_and_logs_there(eu, local_aws, bucket, database):
    put_lines(eu, bucket, "orders/dt=2026-03-01/part.json", [{"amount": 5}, {"amount": 7}])
    run_sql(
        eu,
        bucket,
        f"CREATE EXTERNAL TABLE {database}.orders (amount int) PARTITIONED BY (dt string) "
        f"ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' LOCATION 's3://{bucket}/orders/'",
    )
    run_sql(eu, bucket, f"MSCK REPAIR TABLE {database}.orders")
    script = textwrap.dedent(
        """
        import os
        import sys

        from awsglue.context import GlueContext
        from awsglue.utils import getResolvedOptions
        from pyspark.context import SparkContext
        from pyspark.sql import functions as F

        args = getResolvedOptions(sys.argv, ["database", "out"])
        glue = GlueContext(SparkContext.getOrCreate())
        orders = glue.create_dynamic_frame.from_catalog(database=args["database"], table_name="orders").toDF()
        total = orders.agg(F.sum("amount").alias("total")).withColumn("region", F.lit(os.environ["AWS_REGION"]))
        total.coalesce(1).write.mode("overwrite").json(args["out"])
        print("job region", os.environ["AWS_REGION"])
        """
    )
    eu.client("s3").put_object(Bucket=bucket, Key="scripts/total.py", Body=script.encode())
    glue = eu.client("glue")
    name = f"eu-job-{uuid.uuid4().hex[:8]}"
    glue.create_job(
        Name=name,
        Role=ROLE,
        Command={"Name": "glueetl", "ScriptLocation": f"s3://{bucket}/scripts/total.py", "PythonVersion": "3"},
        GlueVersion="5.0",
    )
    run_id = glue.start_job_run(JobName=name, Arguments={"--database": database, "--out": f"s3://{bucket}/job-out/"})[
        "JobRunId"
    ]
    deadline = time.monotonic() + 300
    while (run := glue.get_job_run(JobName=name, RunId=run_id)["JobRun"])["JobRunState"] in ("STARTING", "RUNNING"):
        assert time.monotonic() < deadline, "job run did not finish"
        time.sleep(0.5)
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    s3 = eu.client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="job-out/")["Contents"]]
    lines = [
        json.loads(line)
        for key in keys
        if key.endswith(".json")
        for line in s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode().splitlines()
    ]
    assert lines == [{"total": 12, "region": REGION}]
    logs = eu.client("logs").filter_log_events(logGroupName="/aws-glue/jobs/output", logStreamNames=[run_id])
    assert any(f"job region {REGION}" in e["message"] for e in logs["events"])
