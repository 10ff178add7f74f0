"""From this checkout to AWS in one step: ``make deploy ENV=<name> SUBNETS=a,b SECURITY_GROUPS=sg
API_BASE_URL=https://...`` (``python -m deploy.deploy``; needs your AWS credentials).

1. build the MWAA bundle (``deploy.package``) into dist/mwaa;
2. deploy the stack ``pipelines-<env>`` (deploy/pipelines.yaml) in its ``storage`` phase: keys,
   buckets, databases, workgroup, bus, queues, stream, Firehose, roles, secret;
3. upload the bundle to the environment's MWAA bucket, the Glue scripts and the downloader's
   package to the artifacts bucket;
4. deploy the stack in its ``full`` phase: the downloader Lambda and the MWAA environment
   (Airflow 3.3.1), which read what step 3 uploaded;
5. create (or resize) the ``vehicle_api`` pool through MWAA's InvokeRestApi, which reaches the
   Airflow REST API through the AWS API: the environment's web server is private (reachable
   only inside its VPC), so a laptop cannot call it directly;
6. print the Airflow UI's URL. Between phases the environment name and the account are written
   into the bundle's ``startup.sh``: every name the DAGs read derives from them (settings).

``--dry-run`` prints each step's calls without making them. Steps 1 and 3 run against the local
AWS in the tests (``--endpoint-url``); CloudFormation and MWAA only exist on AWS.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deploy import package
from deploy.airflow_api import AirflowApi, AirflowApiError, MwaaApi
from deploy.glue_scripts import upload_glue_scripts
from deploy.lambda_package import build_zip
from pipelines.settings import SETTINGS, Settings, load

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "deploy" / "pipelines.yaml"
LAMBDA_KEY = "lambda/vehicle_api_downloader.zip"  # where the template's Downloader reads its code


@dataclass(frozen=True)
class Target:
    env: str
    region: str
    subnets: list[str]
    security_groups: list[str]
    api_base_url: str
    environment_class: str = SETTINGS.mwaa_class

    @property
    def stack(self) -> str:
        return f"pipelines-{self.env}"

    def parameters(self, phase: str) -> list[dict[str, str]]:
        values = {
            "EnvironmentName": self.env,
            "Phase": phase,
            "VehicleApiBaseUrl": self.api_base_url,
            "EnvironmentClass": self.environment_class,
            "SubnetIds": ",".join(self.subnets),
            "SecurityGroupIds": ",".join(self.security_groups),
        }
        return [{"ParameterKey": key, "ParameterValue": value} for key, value in values.items()]


def deploy_stack(cloudformation: Any, target: Target, phase: str) -> dict[str, str]:
    """Create or update the stack in ``phase`` and wait for it; return its outputs."""
    arguments = {
        "StackName": target.stack,
        "TemplateBody": TEMPLATE.read_text(),
        "Parameters": target.parameters(phase),
        "Capabilities": ["CAPABILITY_NAMED_IAM"],
    }
    try:
        cloudformation.describe_stacks(StackName=target.stack)
        exists = True
    except cloudformation.exceptions.ClientError:
        exists = False
    if not exists:
        cloudformation.create_stack(**arguments)
        cloudformation.get_waiter("stack_create_complete").wait(StackName=target.stack)
    else:
        try:
            cloudformation.update_stack(**arguments)
            cloudformation.get_waiter("stack_update_complete").wait(StackName=target.stack)
        except cloudformation.exceptions.ClientError as err:
            if "No updates are to be performed" not in str(err):
                raise
    stack = cloudformation.describe_stacks(StackName=target.stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def upload_bundle(s3: Any, bucket: str, bundle: Path) -> list[str]:
    """Put the bundle's files at the keys the MWAA environment reads (dags/..., plugins.zip, ...)."""
    keys = []
    for path in sorted(p for p in bundle.rglob("*") if p.is_file()):
        key = path.relative_to(bundle).as_posix()
        s3.upload_file(str(path), bucket, key)
        keys.append(key)
    return keys


def configure_startup(bundle: Path, env: str, account: str) -> list[str]:
    """Write the deployment's environment name and account into the bundle's startup.sh (MWAA
    exports them to every component; the names derive from them as the template's do)."""
    lines = [f'export PIPELINES_ENV="{env}"', f'export PIPELINES_AWS_ACCOUNT_ID="{account}"']
    startup = bundle / "startup.sh"
    startup.write_text(startup.read_text() + "\n# written by make deploy\n" + "\n".join(lines) + "\n")
    return lines


def upload_artifacts(s3: Any, settings: Settings) -> list[str]:
    """The Glue job scripts and the downloader's deployment package, into the artifacts bucket."""
    done = upload_glue_scripts(s3, settings)
    s3.put_object(Bucket=settings.artifacts_bucket, Key=LAMBDA_KEY, Body=build_zip())
    return [*done, f"lambda package s3://{settings.artifacts_bucket}/{LAMBDA_KEY}"]


def set_pool(api: AirflowApi, pool: str, slots: int) -> dict[str, Any]:
    """Create ``pool`` with ``slots`` in the environment, or resize it if it exists; return the
    pool as Airflow answers it."""
    description = "vehicle API downloads"
    try:
        return api.call(
            "POST", "/pools", {"name": pool, "slots": slots, "description": description, "include_deferred": False}
        )
    except AirflowApiError as err:
        if err.status != 409:  # 409: the pool exists already
            raise
    return api.call("PATCH", f"/pools/{pool}", {"slots": slots, "description": description})


def target_settings(target: Target, account: str) -> Settings:
    """The settings the deployed DAGs read: the names derived from the environment and account."""
    return load(
        {"PIPELINES_ENV": target.env, "PIPELINES_AWS_REGION": target.region, "PIPELINES_AWS_ACCOUNT_ID": account}
    )


def plan(target: Target) -> list[str]:
    """What a deploy of ``target`` does, step by step (printed by ``--dry-run``)."""
    settings = target_settings(target, "<account>")
    return [
        f"build the MWAA bundle into {REPO / 'dist' / 'mwaa'}",
        f"cloudformation: create or update stack {target.stack} in {target.region}, Phase=storage",
        "write PIPELINES_ENV and PIPELINES_AWS_ACCOUNT_ID into the bundle's startup.sh",
        f"s3: upload the bundle to the stack's MwaaBucket (airflow-pipelines-{target.env}-<account>)",
        f"s3: upload the Glue scripts and {LAMBDA_KEY} to {settings.artifacts_bucket}",
        f"cloudformation: update stack {target.stack}, Phase=full (downloader Lambda, MWAA environment)",
        f"mwaa: invoke-rest-api POST /pools {settings.vehicle_api_pool} ({settings.vehicle_api_pool_slots} slots) "
        f"in {target.stack}",
        "print the Airflow UI URL and the failure queue",
    ]


def deploy(target: Target, session: Any) -> dict[str, str]:
    account = session.client("sts").get_caller_identity()["Account"]
    settings = target_settings(target, account)
    bundle = REPO / "dist" / "mwaa"
    package.build(bundle)
    cloudformation, s3 = session.client("cloudformation"), session.client("s3")
    outputs = deploy_stack(cloudformation, target, "storage")
    configure_startup(bundle, target.env, account)
    upload_bundle(s3, outputs["MwaaBucketName"], bundle)
    upload_artifacts(s3, settings)
    outputs = deploy_stack(cloudformation, target, "full")
    set_pool(MwaaApi(session.client("mwaa"), target.stack), settings.vehicle_api_pool, settings.vehicle_api_pool_slots)
    return outputs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.deploy", description=__doc__.split("\n\n")[0])
    parser.add_argument("--env", required=True, help="PIPELINES_ENV of the deployment")
    parser.add_argument("--region", required=True)
    parser.add_argument("--subnets", required=True, help="two private subnet ids, comma-separated")
    parser.add_argument("--security-groups", required=True, help="security group ids, comma-separated")
    parser.add_argument("--api-base-url", required=True, help="the vehicle API's https base URL")
    parser.add_argument(
        "--environment-class", default=SETTINGS.mwaa_class, help="MWAA environment class (PIPELINES_MWAA_CLASS)"
    )
    parser.add_argument("--dry-run", action="store_true", help="print the steps, call nothing")
    args = parser.parse_args(argv)
    target = Target(
        args.env,
        args.region,
        args.subnets.split(","),
        args.security_groups.split(","),
        args.api_base_url,
        args.environment_class,
    )
    if args.dry_run:
        for number, step in enumerate(plan(target), start=1):
            print(f"{number}. {step}")
        return 0
    import boto3

    outputs = deploy(target, boto3.Session(region_name=args.region))
    print(f"Airflow UI: {outputs.get('WebserverUrl')}")
    print(f"failure events arrive in {outputs.get('FailureQueueUrl')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
