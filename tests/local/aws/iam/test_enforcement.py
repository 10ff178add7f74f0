"""The local AWS refuses what the template's roles do not allow, with AWS's error shapes: Airflow
signs as the MWAA execution role (sync and async clients, in a second region too), code run
under a role as that role; the account's own key is not limited."""

from __future__ import annotations

import asyncio
import json

import pytest
from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook
from botocore.exceptions import ClientError

from local.airflow_env import mwaa_role_arn
from local.aws.credentials import ACCOUNT_ID, role_environment
from pipelines.settings import SETTINGS
from tests.support.regions import SECOND_REGION

MWAA_SESSION = f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/pipelines-{SETTINGS.env}-mwaa/"


def hook_client(service: str, region: str | None = None) -> object:
    return AwsBaseHook(aws_conn_id=SETTINGS.aws_conn_id, client_type=service, region_name=region).get_conn()


def test_airflow_signs_as_the_mwaa_execution_role(local_aws):
    assert hook_client("sts").get_caller_identity()["Arn"].startswith(MWAA_SESSION)
    assert mwaa_role_arn(SETTINGS) == f"arn:aws:iam::{ACCOUNT_ID}:role/pipelines-{SETTINGS.env}-mwaa"


def test_s3_outside_the_roles_buckets_is_refused_as_s3_refuses_it(local_aws):
    local_aws.client("s3").create_bucket(Bucket="someone-elses-data")
    s3 = hook_client("s3")
    with pytest.raises(ClientError) as refused:
        s3.put_object(Bucket="someone-elses-data", Key="x.txt", Body=b"x")
    error = refused.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == ("AccessDenied", 403)
    assert (
        "is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::someone-elses-data/x.txt"
        in (error["Error"]["Message"])
    )
    s3.put_object(Bucket=SETTINGS.raw_bucket, Key="iam-tests/allowed.txt", Body=b"x")  # its own bucket: fine
    local_aws.client("s3").put_object(Bucket="someone-elses-data", Key="x.txt", Body=b"x")  # the account's key


def test_json_services_answer_access_denied_exception_in_any_region(local_aws):
    glue = hook_client("glue", SECOND_REGION)
    with pytest.raises(ClientError) as refused:
        glue.start_job_run(JobName="not-a-pipelines-job")
    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"
    assert f"glue:StartJobRun on resource: arn:aws:glue:{SECOND_REGION}:{ACCOUNT_ID}:job/not-a-pipelines-job" in str(
        refused.value
    )
    with pytest.raises(ClientError, match="AccessDenied"):
        hook_client("sqs").send_message(QueueUrl=SETTINGS.uber_movement_queue_url, MessageBody="x")  # reads only


def test_handing_a_role_to_a_service_needs_pass_role_for_that_service(local_aws):
    glue = hook_client("glue")
    job = {"Command": {"Name": "glueetl", "ScriptLocation": "s3://x/y.py"}, "GlueVersion": "5.0"}
    with pytest.raises(ClientError, match="iam:PassRole on resource: arn:aws:iam::.*:role/admin"):
        glue.create_job(Name=f"pipelines-{SETTINGS.env}-iam-test", Role=f"arn:aws:iam::{ACCOUNT_ID}:role/admin", **job)
    glue.create_job(Name=f"pipelines-{SETTINGS.env}-iam-test", Role=SETTINGS.glue_role, **job)
    local_aws.client("glue").delete_job(JobName=f"pipelines-{SETTINGS.env}-iam-test")


def test_the_triggerers_async_clients_sign_as_the_role_too(local_aws):
    hook = AwsBaseHook(aws_conn_id=SETTINGS.aws_conn_id, client_type="s3")

    async def attempt() -> tuple[str, str]:
        async with await hook.get_async_conn() as s3:
            await s3.put_object(Bucket=SETTINGS.raw_bucket, Key="iam-tests/async.txt", Body=b"x")
            try:
                await s3.put_object(Bucket="someone-elses-data-async", Key="x", Body=b"x")
            except ClientError as err:
                return "refused", err.response["Error"]["Code"]
            return "allowed", ""

    local_aws.client("s3").create_bucket(Bucket="someone-elses-data-async")
    assert asyncio.run(attempt()) == ("refused", "AccessDenied")


def test_a_role_session_of_the_downloader_reaches_only_its_prefix(local_aws):
    arn = f"arn:aws:iam::{ACCOUNT_ID}:role/pipelines-{SETTINGS.env}-vehicle-api-downloader"
    session = role_environment(arn, "iam-test", local_aws.region)
    import boto3

    s3 = boto3.client(
        "s3", endpoint_url=local_aws.endpoint_url, region_name=local_aws.region,
        aws_access_key_id=session["AWS_ACCESS_KEY_ID"], aws_secret_access_key=session["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=session["AWS_SESSION_TOKEN"],
    )  # fmt: skip
    s3.put_object(Bucket=SETTINGS.raw_bucket, Key="vehicle_api/iam-test.json", Body=json.dumps({}).encode())
    with pytest.raises(ClientError, match="AccessDenied"):
        s3.put_object(Bucket=SETTINGS.lake_bucket, Key="vehicles/x.parquet", Body=b"x")
    with pytest.raises(ClientError, match="AccessDenied"):
        s3.get_object(Bucket=SETTINGS.raw_bucket, Key="vehicle_api/iam-test.json")  # it writes, never reads


def athena_as_airflow(sql: str, database: str) -> dict:
    """A query started through Airflow's connection (the MWAA role), once it ended."""
    from airflow.providers.amazon.aws.hooks.athena import AthenaHook

    hook = AthenaHook(aws_conn_id=SETTINGS.aws_conn_id)
    qid = hook.run_query(sql, {"Database": database}, result_configuration={}, workgroup=SETTINGS.athena_workgroup)
    hook.poll_query_status(qid, sleep_time=0.2)
    return hook.get_conn().get_query_execution(QueryExecutionId=qid)["QueryExecution"]


def test_athena_reads_and_writes_as_its_caller(local_aws):
    """The role may start queries in its workgroup, but Athena then reads the table's files,
    reaches the catalog and writes as the role: what its policies do not allow fails the query."""
    s3, glue = local_aws.client("s3"), local_aws.client("glue")
    s3.create_bucket(Bucket="someone-elses-lake")
    s3.put_object(Bucket="someone-elses-lake", Key="t/part.csv", Body=b"1\n2\n")
    s3.put_object(Bucket=SETTINGS.raw_bucket, Key="iam-tests/table/part.csv", Body=b"1\n2\n3\n")
    glue.create_database(DatabaseInput={"Name": "finance"})
    columns = {"Columns": [{"Name": "n", "Type": "int"}], "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"},
               "InputFormat": "org.apache.hadoop.mapred.TextInputFormat"}  # fmt: skip
    ours, theirs = SETTINGS.raw_database, "finance"
    for database, name, location in (
        (ours, "iam_ours", f"s3://{SETTINGS.raw_bucket}/iam-tests/table/"),
        (ours, "iam_elsewhere", "s3://someone-elses-lake/t/"),
        (theirs, "ledger", f"s3://{SETTINGS.raw_bucket}/iam-tests/table/"),
    ):
        glue.create_table(
            DatabaseName=database, TableInput={"Name": name, "StorageDescriptor": {**columns, "Location": location}}
        )

    assert athena_as_airflow("SELECT sum(n) FROM iam_ours", ours)["Status"]["State"] == "SUCCEEDED"
    elsewhere = athena_as_airflow("SELECT sum(n) FROM iam_elsewhere", ours)["Status"]
    assert (elsewhere["State"], elsewhere["StateChangeReason"]) == (
        "FAILED",
        "Permission denied on S3 path: s3://someone-elses-lake/",
    )
    ledger = athena_as_airflow("SELECT sum(n) FROM finance.ledger", ours)["Status"]
    assert ledger["StateChangeReason"].startswith(
        f"Insufficient permissions to execute the query. User: {MWAA_SESSION[:-1]}"
    )
    assert ledger["StateChangeReason"].endswith(
        f"is not authorized to perform: glue:GetDatabase on resource: arn:aws:glue:{SETTINGS.region}:{ACCOUNT_ID}:database/finance"
    )
    copy = athena_as_airflow(
        "CREATE TABLE iam_copy WITH (external_location = 's3://someone-elses-lake/copy/') AS SELECT * FROM iam_ours",
        ours,
    )["Status"]
    assert copy["StateChangeReason"].startswith(
        "Access denied when writing output to url: s3://someone-elses-lake/copy/"
    )
    assert "Contents" not in s3.list_objects_v2(Bucket="someone-elses-lake", Prefix="copy/")


def test_batch_get_query_execution_is_checked_against_every_query_s_workgroup(local_aws):
    """As AWS does: the role reads its workgroup's queries, and is refused one of another group."""
    ours = athena_as_airflow("SELECT 1", "default")["QueryExecutionId"]
    athena = local_aws.client("athena")
    athena.create_work_group(Name="someone-elses")
    theirs = athena.start_query_execution(
        QueryString="SELECT 2", WorkGroup="someone-elses", ResultConfiguration={"OutputLocation": "s3://x/y/"}
    )["QueryExecutionId"]
    role = hook_client("athena")
    found = role.batch_get_query_execution(QueryExecutionIds=[ours])["QueryExecutions"]
    assert [e["QueryExecutionId"] for e in found] == [ours]
    with pytest.raises(ClientError, match="athena:BatchGetQueryExecution on resource: .*:workgroup/someone-elses"):
        role.batch_get_query_execution(QueryExecutionIds=[ours, theirs])
