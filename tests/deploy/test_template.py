"""The CloudFormation template (deploy/pipelines.yaml): cfn-lint finds nothing, and for an
environment it names every resource exactly as the settings the DAGs read (and the local
bootstrap creates) name it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from deploy.template import TEMPLATE, Resolver, template
from local.aws.credentials import ACCOUNT_ID
from pipelines.settings import load

ENV = "qa-7"
NAME_PROPERTIES = ("BucketName", "Name", "QueueName", "FunctionName", "DeliveryStreamName", "RoleName", "AliasName")


def names(env: str, account: str = ACCOUNT_ID) -> dict[str, str]:
    """Logical id -> the physical name the template gives it in ``env`` and ``account``."""
    resolve, found = Resolver(env, "us-east-1", account), {}
    for logical_id, resource in template()["Resources"].items():
        properties = resource.get("Properties", {})
        for key in NAME_PROPERTIES:
            value = properties.get(key) or (properties.get("DatabaseInput") or {}).get("Name")
            if isinstance(value, dict) and set(value) == {"Sub"}:
                found[logical_id] = resolve(value)
                break
    return found


def test_cfn_lint_finds_nothing():
    cfn_lint = Path(sys.executable).parent / "cfn-lint"  # installed by requirements-dev.txt
    result = subprocess.run([str(cfn_lint), str(TEMPLATE)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_name_the_dags_read_is_the_templates_for_that_environment_and_account():
    settings = load({"PIPELINES_ENV": ENV, "PIPELINES_AWS_ACCOUNT_ID": "111122223333"})
    declared = set(names(ENV, "111122223333").values())
    expected = {
        settings.raw_bucket, settings.lake_bucket, settings.athena_results_bucket, settings.artifacts_bucket,
        settings.raw_database, settings.lake_database, settings.aggregated_database, settings.ledger_database,
        settings.athena_workgroup,
        settings.event_bus, settings.failure_queue, settings.vehicle_api_secret, settings.vehicle_api_lambda,
        settings.uber_movement_stream, settings.uber_movement_delivery_stream,
        settings.uber_movement_queue_url.rsplit("/", 1)[1], settings.glue_role.rsplit("/", 1)[1],
    }  # fmt: skip
    assert expected - declared == set()


def test_the_run_ledger_table_is_the_one_the_local_bootstrap_creates_and_the_ledger_writes(local_aws):
    from pipelines.run_ledger import table_input

    settings = load({"PIPELINES_ENV": ENV})
    declared = template()["Resources"]["RunLedgerTable"]["Properties"]
    assert declared["DatabaseName"] == {"Ref": "LedgerDatabase"}
    table = declared["TableInput"]
    location = table["StorageDescriptor"]["Location"]
    table["StorageDescriptor"]["Location"] = Resolver(ENV, "us-east-1", ACCOUNT_ID)(location)
    assert table == table_input(settings)
    created = local_aws.client("glue").get_table(DatabaseName=load({}).ledger_database, Name="run_ledger")["Table"]
    assert created["StorageDescriptor"]["Columns"] == table["StorageDescriptor"]["Columns"]
    assert created["PartitionKeys"] == [{"Name": "day", "Type": "string"}]


def delivery_streams(firehose) -> set[str]:
    names: list[str] = []
    while True:
        start = {"ExclusiveStartDeliveryStreamName": names[-1]} if names else {}
        page = firehose.list_delivery_streams(**start)
        names += page["DeliveryStreamNames"]
        if not page["HasMoreDeliveryStreams"]:
            return set(names)


@pytest.mark.parametrize("env", ["prod", "qa-7"])
def test_the_local_bootstrap_creates_the_same_names_the_template_declares(env, local_aws):
    from local.provision import provision

    provision(local_aws.endpoint_url, load({"PIPELINES_ENV": env}))
    aws = local_aws
    bus = load({"PIPELINES_ENV": env}).event_bus
    created = {b["Name"] for b in aws.client("s3").list_buckets()["Buckets"]}
    created |= {d["Name"] for d in aws.client("glue").get_databases()["DatabaseList"]}
    created |= {w["Name"] for w in aws.client("athena").list_work_groups()["WorkGroups"]}
    created |= {b["Name"] for b in aws.client("events").list_event_buses()["EventBuses"]}
    created |= {r["Name"] for r in aws.client("events").list_rules(EventBusName=bus)["Rules"]}
    created |= {u.rsplit("/", 1)[1] for u in aws.client("sqs").list_queues().get("QueueUrls", [])}
    # Both list a page at a time (Kinesis 100 by default, moto 10; Firehose 10): every page.
    for page in aws.client("kinesis").get_paginator("list_streams").paginate():
        created |= set(page["StreamNames"])
    created |= delivery_streams(aws.client("firehose"))
    created = {
        n for n in created if n.startswith((f"pipelines-{env}-", f"pipelines_{env}_")) or n == f"pipelines-{env}"
    }
    declared = set(names(env).values())
    # What only AWS creates: the key's alias, the roles (the local AWS reads them from the template itself: local.aws.iam.roles).
    only_on_aws = {n for n in declared if n.startswith(("alias/", "airflow-"))}  # and MWAA's bucket
    only_on_aws |= {f"pipelines-{env}-{role}" for role in ("firehose", "glue", "vehicle-api-downloader", "mwaa")}
    only_on_aws |= {
        f"pipelines/{env}/vehicle-api",
        f"pipelines-{env}-vehicle-api-downloader",
    }  # made with the sample API
    assert created == declared - only_on_aws


def test_every_queue_has_the_templates_dead_letter_queue_locally_too(local_aws):
    from local.provision import provision

    env = ENV
    provision(local_aws.endpoint_url, load({"PIPELINES_ENV": env}))
    resources = template()["Resources"]
    sqs = local_aws.client("sqs")
    queues = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::SQS::Queue"]
    redriven = [q for q in queues if "RedrivePolicy" in q]
    assert len(redriven) == len(queues) - len(redriven) > 0  # every queue but a dead-letter one has one
    for queue in redriven:
        name = queue["QueueName"]["Sub"].replace("${EnvironmentName}", env)
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        policy = json.loads(
            sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"]
        )
        dead_letters = queue["RedrivePolicy"]["deadLetterTargetArn"]["GetAtt"].split(".")[0]
        dead_letter_name = resources[dead_letters]["Properties"]["QueueName"]["Sub"].replace("${EnvironmentName}", env)
        assert (policy["deadLetterTargetArn"].rsplit(":", 1)[1], int(policy["maxReceiveCount"])) == (
            dead_letter_name,
            queue["RedrivePolicy"]["maxReceiveCount"],
        )


def test_the_environment_classes_the_template_allows_are_those_the_local_stacks_imitate():
    from local.mwaa_workers import WORKER_CONCURRENCY

    parameter = template()["Parameters"]["EnvironmentClass"]
    assert parameter["AllowedValues"] == list(WORKER_CONCURRENCY)
    assert parameter["Default"] == load({}).mwaa_class == "mw1.small"
    assert template()["Resources"]["MwaaEnvironment"]["Properties"]["EnvironmentClass"] == {"Ref": "EnvironmentClass"}
