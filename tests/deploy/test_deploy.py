"""make deploy, as far as this machine allows: its plan (dry run); the stack's storage phase on
the local CloudFormation (moto creates the buckets, queues, stream and roles it supports and
skips the rest), the settings written into startup.sh, the bundle and artifacts uploaded to the
buckets the stack made; the MWAA CLI call as MWAA expects it."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import warnings

import pytest

from deploy import package
from deploy.deploy import (
    LAMBDA_KEY,
    Target,
    airflow_cli,
    configure_startup,
    deploy_stack,
    main,
    upload_artifacts,
    upload_bundle,
)
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
    assert steps[6] == f"7. mwaa: airflow pools set vehicle_api 8 in pipelines-{ENV}"


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
    configure_startup(bundle, ENV, outputs)
    sourced = subprocess.run(
        ["sh", "-c", f". {bundle / 'startup.sh'}; echo $PIPELINES_ENV $PIPELINES_UBER_MOVEMENT_QUEUE_URL"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert sourced.stdout.split() == [ENV, outputs["ArrivalsQueueUrl"]]
    s3 = local_aws.client("s3")
    assert sorted(upload_bundle(s3, outputs["MwaaBucketName"], bundle)) == sorted(files)
    listed = s3.list_objects_v2(Bucket=outputs["MwaaBucketName"])["Contents"]
    assert {"plugins.zip", "requirements.txt", "startup.sh"} <= {o["Key"] for o in listed}
    assert any(o["Key"].startswith("dags/") and o["Key"].endswith(".py") for o in listed)

    upload_artifacts(s3, settings)
    artifacts = {o["Key"] for o in s3.list_objects_v2(Bucket=settings.artifacts_bucket)["Contents"]}
    assert {LAMBDA_KEY, "glue/web_hits_aggregates.py", "glue/uber_movement_travel_times.py"} <= artifacts


class FakeMwaa:
    def create_cli_token(self, Name: str) -> dict:
        assert Name == f"pipelines-{ENV}"
        return {"CliToken": "tok", "WebServerHostname": "abc.airflow.example"}


def answer(stdout: str, exit_code: int = 0, stderr: str = "") -> io.BytesIO:
    body = {"stdout": base64.b64encode(stdout.encode()).decode(), "stderr": base64.b64encode(stderr.encode()).decode(),
            "exit_code": exit_code}  # fmt: skip
    return io.BytesIO(json.dumps(body).encode())


def test_the_pool_is_set_through_the_mwaa_cli_token():
    sent = []

    def post(request, timeout):
        sent.append(request)
        return answer("Pool vehicle_api created\n")

    assert airflow_cli(FakeMwaa(), f"pipelines-{ENV}", "pools set vehicle_api 8 'vehicle API'", post) == (
        "Pool vehicle_api created\n"
    )
    [request] = sent
    assert request.full_url == "https://abc.airflow.example/aws_mwaa/cli"
    assert request.headers["Authorization"] == "Bearer tok" and request.data == b"pools set vehicle_api 8 'vehicle API'"
    with pytest.raises(RuntimeError, match="pools set .* failed in pipelines-cfn-qa: no such pool"):
        airflow_cli(FakeMwaa(), f"pipelines-{ENV}", "pools set x", lambda r, timeout: answer("", 1, "no such pool"))
