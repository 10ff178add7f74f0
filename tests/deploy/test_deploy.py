"""make deploy, as far as this machine allows: its plan (dry run); the stack's storage phase on
the local CloudFormation (moto creates the buckets, queues, stream and roles it supports and
skips the rest), the settings written into startup.sh, the bundle and artifacts uploaded to the
buckets the stack made; the MWAA CLI call as MWAA expects it."""

from __future__ import annotations

import subprocess
import warnings

import boto3
import pytest
from botocore.stub import Stubber

from deploy import package
from deploy.airflow_api import AirflowApiError, MwaaApi
from deploy.deploy import (
    LAMBDA_KEY,
    Target,
    configure_startup,
    deploy_stack,
    main,
    set_pool,
    upload_artifacts,
    upload_bundle,
)
from local.aws.credentials import ACCOUNT_ID
from pipelines.settings import load

ENV = "cfn-qa"


def test_the_dry_run_prints_every_step_and_calls_nothing(capsys):
    argv = ["--env", ENV, "--region", "eu-west-1", "--subnets", "subnet-a,subnet-b", "--security-groups", "sg-1",
            "--api-base-url", "https://api.example", "--dry-run"]  # fmt: skip
    assert main(argv) == 0
    steps = capsys.readouterr().out.splitlines()
    assert len(steps) == 8
    assert steps[1] == f"2. cloudformation: create or update stack pipelines-{ENV} in eu-west-1, Phase=storage"
    assert steps[5].startswith(f"6. cloudformation: update stack pipelines-{ENV}, Phase=full")
    assert steps[4].endswith(f"to pipelines-{ENV}-artifacts-<account>")
    assert steps[6] == f"7. mwaa: invoke-rest-api POST /pools vehicle_api (8 slots) in pipelines-{ENV}"


def test_storage_phase_then_startup_settings_bundle_and_artifacts_on_the_local_aws(local_aws, tmp_path):
    target = Target(ENV, local_aws.region, ["subnet-a", "subnet-b"], ["sg-1"], "https://api.example")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # moto names the resource types it skips
        outputs = deploy_stack(local_aws.client("cloudformation"), target, "storage")
        assert deploy_stack(local_aws.client("cloudformation"), target, "storage") == outputs  # no updates: fine
    settings = load({"PIPELINES_ENV": ENV})
    assert outputs["ArrivalsQueueUrl"].endswith(f"/{settings.uber_movement_queue_url.rsplit('/', 1)[1]}")
    assert outputs["GlueRoleArn"].endswith(f":role/pipelines-{ENV}-glue")
    buckets = {b["Name"] for b in local_aws.client("s3").list_buckets()["Buckets"]}
    assert {settings.raw_bucket, settings.lake_bucket, settings.artifacts_bucket, outputs["MwaaBucketName"]} <= buckets

    bundle = tmp_path / "mwaa"
    files = package.build(bundle)
    configure_startup(bundle, ENV, ACCOUNT_ID)
    sourced = subprocess.run(
        ["sh", "-c", f". {bundle / 'startup.sh'}; env"], capture_output=True, text=True, check=True,
        env={"AWS_DEFAULT_REGION": local_aws.region},
    )  # fmt: skip
    on_mwaa = load(dict(line.split("=", 1) for line in sourced.stdout.splitlines() if "=" in line))
    # The names the deployed DAGs derive are the stack's.
    assert (on_mwaa.env, on_mwaa.uber_movement_queue_url, on_mwaa.glue_role) == (
        ENV, outputs["ArrivalsQueueUrl"], outputs["GlueRoleArn"],
    )  # fmt: skip
    assert on_mwaa.raw_bucket in buckets
    s3 = local_aws.client("s3")
    assert sorted(upload_bundle(s3, outputs["MwaaBucketName"], bundle)) == sorted(files)
    listed = s3.list_objects_v2(Bucket=outputs["MwaaBucketName"])["Contents"]
    assert {"plugins.zip", "requirements.txt", "startup.sh"} <= {o["Key"] for o in listed}
    assert any(o["Key"].startswith("dags/") and o["Key"].endswith(".py") for o in listed)

    upload_artifacts(s3, settings)
    artifacts = {o["Key"] for o in s3.list_objects_v2(Bucket=settings.artifacts_bucket)["Contents"]}
    assert {LAMBDA_KEY, "glue/web_hits_aggregates.py", "glue/uber_movement_travel_times.py"} <= artifacts


def airflow_refuses(stub: Stubber, status: int, detail: str) -> None:
    """InvokeRestApi's answer when Airflow's REST API answers ``status`` (4xx)."""
    stub.add_client_error(
        "invoke_rest_api", service_error_code="RestApiClientException", http_status_code=400,
        modeled_fields={"RestApiStatusCode": status, "RestApiResponse": {"detail": detail}},
    )  # fmt: skip


def test_the_pool_is_created_through_invoke_rest_api_and_resized_when_it_exists():
    """The environment's web server is private: the pool is set through the AWS API, not its URL."""
    mwaa = boto3.client("mwaa", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
    created = {"name": "vehicle_api", "slots": 8, "description": "vehicle API downloads", "include_deferred": False}
    with Stubber(mwaa) as stub:
        stub.add_response(
            "invoke_rest_api", {"RestApiStatusCode": 201, "RestApiResponse": created},
            {"Name": f"pipelines-{ENV}", "Path": "/pools", "Method": "POST", "Body": created},
        )  # fmt: skip
        assert set_pool(MwaaApi(mwaa, f"pipelines-{ENV}"), "vehicle_api", 8) == created
        airflow_refuses(stub, 409, "Pool exists")
        stub.add_response(
            "invoke_rest_api", {"RestApiStatusCode": 200, "RestApiResponse": created},
            {"Name": f"pipelines-{ENV}", "Path": "/pools/vehicle_api", "Method": "PATCH",
             "Body": {"slots": 8, "description": "vehicle API downloads"}},
        )  # fmt: skip
        assert set_pool(MwaaApi(mwaa, f"pipelines-{ENV}"), "vehicle_api", 8) == created
        airflow_refuses(stub, 403, "Forbidden")
        with pytest.raises(AirflowApiError, match="HTTP 403"):
            set_pool(MwaaApi(mwaa, f"pipelines-{ENV}"), "vehicle_api", 8)
        stub.assert_no_pending_responses()
