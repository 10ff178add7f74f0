"""Least privilege that still works: every AWS call the DAGs, the downloader Lambda and the Glue
jobs make is allowed by the template's role that makes it on AWS.

The calls are read from a recorded local run, not from the code: each pipeline runs once with
``dag.test()`` (one run fails, so the failure event is sent; the asset watcher polls its queue
once) while the local AWS records who
called what (``local.aws.call_log``). Airflow's AWS connection holds a session of the MWAA
execution role, the Lambda runs as its execution role and the Glue jobs as the job's role, as on
AWS, so every call is attributed to the role that would make it. Each call is checked against
that role's policies in deploy/pipelines.yaml (AWS managed policies it attaches: the statements
that matter here, below): the action and the resource the request names (a bucket and key, a
job, a table, a queue; a role handed to Glue as iam:PassRole); statement conditions are taken as
met. Not covered: what Athena and Spark read and write inside the local engines (not requests),
and the workgroup of Athena calls that name only a query id.
"""

from __future__ import annotations

import json
import os
from fnmatch import fnmatchcase
from typing import Any

import pendulum
import pytest
from airflow.utils.state import DagRunState

from deploy.vehicle_api_lambda import deploy_downloader
from local.aws import call_log
from local.aws.credentials import ACCOUNT_ID, role_environment
from local.sources import traffic as feed
from local.sources import web_hits
from local.sources.uber_movement.travel_times import rows as travel_time_rows
from local.sources.vehicle_api import ApiConfig, SampleVehicleApi, Volume
from pipelines.settings import SETTINGS
from tests.support.cloudformation import Resolver, template
from tests.support.triggers import first_event

pytestmark = [pytest.mark.pipeline, pytest.mark.spark]  # all five pipelines run once, two Glue jobs

ROLES = {"mwaa": "MwaaExecutionRole", "downloader": "DownloaderRole", "glue": "GlueRole"}
# The statements of the AWS managed policies the template attaches that bear on these calls
# (AWSGlueServiceRole, AWSLambdaBasicExecutionRole), as AWS publishes them.
MANAGED = {
    "AWSGlueServiceRole": [
        {"Effect": "Allow", "Action": ["glue:*", "s3:GetBucketLocation", "s3:ListBucket", "s3:ListAllMyBuckets", "s3:GetBucketAcl",
                    "cloudwatch:PutMetricData"], "Resource": "*"},
        {"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": "arn:aws:logs:*:*:*:/aws-glue/*"},
    ],
    "AWSLambdaBasicExecutionRole": [
        {"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*"},
    ],
}  # fmt: skip
# moto names a few requests after the API operation, IAM after the permission it needs.
IAM_ACTION = {
    "lambda:Invoke": "lambda:InvokeFunction",
    "s3:HeadBucket": "s3:ListBucket",
    "sqs:DeleteMessageBatch": "sqs:DeleteMessage",
}
ALWAYS_ALLOWED = {"sts:GetCallerIdentity"}  # needs no permission on AWS


def statements(role_logical_id: str) -> list[dict[str, Any]]:
    properties = template()["Resources"][role_logical_id]["Properties"]
    found = [s for policy in properties.get("Policies", []) for s in policy["PolicyDocument"]["Statement"]]
    for arn in properties.get("ManagedPolicyArns", []):
        found += MANAGED[arn["Sub"].rsplit("/", 1)[1]]
    return found


def listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def allowed(role_logical_id: str, call: call_log.Call, resolve: Resolver) -> bool:
    action = IAM_ACTION.get(call.action, call.action)
    if action in ALWAYS_ALLOWED:
        return True
    resource = call.resource
    if action == "s3:DeleteObject" and resource.count("/") == 0:
        resource += "/*"  # DeleteObjects: moto names the bucket; AWS checks each key
    for statement in statements(role_logical_id):
        if statement["Effect"] != "Allow":
            continue
        if not any(fnmatchcase(action.lower(), a.lower()) for a in listed(statement["Action"])):
            continue
        patterns = [resolve(r) for r in listed(statement["Resource"])]
        if resource == "*" or any(fnmatchcase(resource, p) for p in patterns):
            return True
    return False


def as_role(role_name: str) -> str:
    """Airflow's AWS connection for the local AWS, signing as a session of ``role_name``."""
    arn = f"arn:aws:iam::{ACCOUNT_ID}:role/{role_name}"
    session = role_environment(arn, "airflow", SETTINGS.region)
    connection = json.loads(os.environ[f"AIRFLOW_CONN_{SETTINGS.aws_conn_id.upper()}"])
    connection.update(login=session["AWS_ACCESS_KEY_ID"], password=session["AWS_SECRET_ACCESS_KEY"])
    connection["extra"]["aws_session_token"] = session["AWS_SESSION_TOKEN"]
    return json.dumps(connection)


def run(dagbag, dag_id: str, conf: dict):
    return dagbag.get_dag(dag_id).test(logical_date=pendulum.now("UTC"), run_conf=conf)


@pytest.fixture(scope="module")
def resolve() -> Resolver:
    return Resolver(SETTINGS.env, SETTINGS.region)


@pytest.fixture(scope="module")
def recorded(local_aws, dagbag, resolve) -> dict[str, set[call_log.Call]]:
    """Every pipeline once, a failing run too; the calls, by the template's role making them."""
    s3 = local_aws.client("s3")
    day = pendulum.date(2021, 3, 9)
    objects = feed.firehose_objects(feed.generate(day.subtract(days=1), day.add(days=1), seed=5, detector_count=2), 5)
    feed.write_objects(s3, SETTINGS.raw_bucket, objects)
    for f in web_hits.hour_files("2021-03-09T10", 200, seed=5):
        s3.put_object(Bucket=SETTINGS.raw_bucket, Key=f.key, Body=f.body)
    travel = "".join(
        json.dumps(dict(r, replay_id=f"roles.csv:{n}")) + "\n" for n, r in enumerate(travel_time_rows(50, 5), start=1)
    )
    s3.put_object(Bucket=SETTINGS.raw_bucket, Key="uber_movement/2021/03/09/10/roles-1", Body=travel.encode())

    # As on a first deployment, the DAGs create their Glue jobs and crawlers (handing them the
    # Glue role: iam:PassRole), whatever earlier tests of this session left.
    glue, ours = local_aws.client("glue"), f"pipelines-{SETTINGS.env}-"
    for job in glue.list_jobs()["JobNames"]:
        if job.startswith(ours):
            glue.delete_job(JobName=job)
    for crawler in glue.list_crawlers()["CrawlerNames"]:
        if crawler.startswith(ours):
            glue.delete_crawler(Name=crawler)

    variable = f"AIRFLOW_CONN_{SETTINGS.aws_conn_id.upper()}"
    local_connection = os.environ[variable]
    volume = Volume(vehicles_per_day=(5, 8), readings_per_vehicle=(3, 5))
    with SampleVehicleApi(ApiConfig(volume=volume)) as api:
        credentials = {"base_url": api.url, "client_id": "local-client", "client_secret": "local-secret"}
        deploy_downloader(local_aws.client, SETTINGS, credentials)
        os.environ[variable] = as_role(resolve.name(ROLES["mwaa"]))
        try:
            with call_log.recording() as calls:
                states = {
                    "traffic": run(dagbag, "traffic_batch", {"date": day.isoformat()}).state,
                    "download": run(dagbag, "vehicle_api_download", {"date": day.isoformat()}).state,
                    "processing": run(dagbag, "vehicle_api_processing", {"dates": [day.isoformat()]}).state,
                    "web hits": run(dagbag, "web_hits_hourly", {"hour": "2021-03-09T10"}).state,
                    "uber": run(dagbag, "uber_movement", {"hours": ["2021-03-09-10"]}).state,
                    "never downloaded": run(dagbag, "vehicle_api_processing", {"dates": ["2021-03-01"]}).state,
                }
                # The triggerer's asset watcher of uber_movement, polling the arrivals queue (the
                # raw file above was notified to it).
                watcher = dagbag.get_dag("uber_movement").timetable.asset_condition.watchers[0]
                assert first_event(watcher.trigger, timeout=60)["status"] == "success"
        finally:
            os.environ[variable] = local_connection
    assert states == {**dict.fromkeys(states, DagRunState.SUCCESS), "never downloaded": DagRunState.FAILED}
    arns = {f"arn:aws:iam::{ACCOUNT_ID}:role/{resolve.name(logical_id)}": logical_id for logical_id in ROLES.values()}
    by_role: dict[str, set[call_log.Call]] = {logical_id: set() for logical_id in ROLES.values()}
    for call in calls:
        if call.caller in arns:
            by_role[arns[call.caller]].add(call)
    return by_role


def test_the_recorded_run_reached_every_role_and_the_calls_that_matter(recorded):
    actions = {role: {c.action for c in calls} for role, calls in recorded.items()}
    assert {"glue:StartCrawler", "glue:StartJobRun", "athena:StartQueryExecution", "lambda:Invoke",
            "events:PutEvents", "s3:PutObject", "sqs:ReceiveMessage", "iam:PassRole"} <= actions["MwaaExecutionRole"]  # fmt: skip
    named = {c.resource for calls in recorded.values() for c in calls if c.resource != "*"}
    assert len(named) > 20  # resources named, not only actions
    assert {"secretsmanager:GetSecretValue", "s3:PutObject"} <= actions["DownloaderRole"]
    assert {"s3:ListBucket", "s3:PutObject", "glue:CreatePartition"} <= actions["GlueRole"]


@pytest.mark.parametrize("role", ROLES.values())
def test_every_call_a_role_made_is_allowed_by_its_policies(recorded, resolve, role):
    refused = sorted(f"{c.action} {c.resource}" for c in recorded[role] if not allowed(role, c, resolve))
    assert refused == []


def test_the_check_refuses_what_a_role_was_not_given(resolve):
    lake = f"arn:aws:s3:::{SETTINGS.lake_bucket}/travel_times/x.parquet"
    raw = f"arn:aws:s3:::{SETTINGS.raw_bucket}/vehicle_api/vehicles/x.json"
    downloader = ROLES["downloader"]
    assert allowed(downloader, call_log.Call("r", "s3:PutObject", raw), resolve)
    assert not allowed(downloader, call_log.Call("r", "s3:PutObject", lake), resolve)
    assert not allowed(downloader, call_log.Call("r", "s3:GetObject", raw), resolve)
    assert not allowed(downloader, call_log.Call("r", "s3:DeleteObject", lake), resolve)
    assert not allowed(downloader, call_log.Call("r", "glue:StartJobRun", "*"), resolve)
