"""The template's key policy and roles against what AWS documents each service needs of them,
evaluated as IAM evaluates (local.aws.iam.policies): the requests a deployment makes that no
local run shows (MWAA's log groups, the encrypted bus, Athena's checks of its caller, the
provider's non-deferred waits) and the ones a role must not be able to make."""

from __future__ import annotations

import pytest

from deploy.template import Resolver
from local.aws.iam.policies import Request, allows, key_allows
from local.aws.iam.roles import key_policy, role_statements

ACCOUNT, REGION, ENV = "111122223333", "eu-west-1", "prod"
RESOLVE = Resolver(ENV, REGION, ACCOUNT)
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
LOGS = f"logs.{REGION}.amazonaws.com"


def service_may(service: str, action: str, context: dict[str, str]) -> bool:
    return key_allows(key_policy(RESOLVE), [], Request(action, KEY, context, ("Service", service)))


def role_may(role: str, action: str, resource: str, **context: str) -> bool:
    return allows(role_statements(role, RESOLVE), Request(action, resource, context))


@pytest.mark.parametrize("action", ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"])
def test_cloudwatch_logs_may_use_the_key_for_the_environments_log_groups_only(action):
    """MWAA's encryption guide: the environment's key must let CloudWatch Logs encrypt its log groups."""
    ours = {
        "kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:airflow-pipelines-{ENV}-Task"
    }
    theirs = {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{REGION}:444455556666:log-group:x"}
    assert service_may(LOGS, action, ours)
    assert not service_may(LOGS, action, theirs)
    assert not service_may("logs.us-east-1.amazonaws.com", action, ours)  # the regional principal


@pytest.mark.parametrize("action", ["kms:DescribeKey", "kms:GenerateDataKey", "kms:Decrypt"])
def test_eventbridge_may_describe_and_use_the_key_of_the_encrypted_bus(action):
    bus = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/pipelines-{ENV}-events"
    assert service_may("events.amazonaws.com", action, {"aws:SourceAccount": ACCOUNT, "aws:SourceArn": bus})
    assert not service_may("events.amazonaws.com", action, {"aws:SourceAccount": "444455556666"})


def test_s3_may_notify_the_encrypted_arrivals_queue():
    context = {"aws:SourceAccount": ACCOUNT}
    assert service_may("s3.amazonaws.com", "kms:GenerateDataKey", context)
    assert not service_may("sqs.amazonaws.com", "kms:GenerateDataKey", context)  # a service it does not name


def test_athena_callers_see_the_default_database_as_athena_requires():
    for resource in (f"arn:aws:glue:{REGION}:{ACCOUNT}:catalog", f"arn:aws:glue:{REGION}:{ACCOUNT}:database/default"):
        assert role_may("MwaaExecutionRole", "glue:GetDatabase", resource)
    assert not role_may("MwaaExecutionRole", "glue:CreateTable", f"arn:aws:glue:{REGION}:{ACCOUNT}:table/default/x")


@pytest.mark.parametrize("action", ["s3:AbortMultipartUpload", "s3:ListMultipartUploadParts", "s3:PutObject"])
def test_athena_may_write_large_results_to_the_result_location(action):
    assert role_may("MwaaExecutionRole", action, f"arn:aws:s3:::pipelines-{ENV}-athena-results-{ACCOUNT}/results/q.csv")
    assert role_may(
        "MwaaExecutionRole", "s3:ListBucketMultipartUploads", f"arn:aws:s3:::pipelines-{ENV}-athena-results-{ACCOUNT}"
    )


def test_the_provider_s_non_deferred_waits_are_allowed():
    """PIPELINES_DEFERRABLE=false: GlueJobHook.print_job_logs pages FilterLogEvents, and
    GlueCrawlerHook.wait_for_crawler_completion reads GetCrawlerMetrics."""
    output_logs = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws-glue/jobs/output"
    assert role_may("MwaaExecutionRole", "logs:FilterLogEvents", output_logs)
    assert role_may("MwaaExecutionRole", "glue:GetCrawlerMetrics", "*")


def test_the_mwaa_role_cannot_replace_code_that_other_roles_run():
    artifacts = f"arn:aws:s3:::pipelines-{ENV}-artifacts-{ACCOUNT}"
    for key in ("glue/web_hits_aggregates.py", "lambda/vehicle_api_downloader.zip"):
        assert not role_may("MwaaExecutionRole", "s3:PutObject", f"{artifacts}/{key}")
        assert not role_may("MwaaExecutionRole", "s3:DeleteObject", f"{artifacts}/{key}")
    assert role_may("MwaaExecutionRole", "s3:PutObject", f"{artifacts}/healthcheck/2024-01-01.json")
    assert not role_may("GlueRole", "s3:PutObject", f"{artifacts}/glue/web_hits_aggregates.py")
    assert role_may("GlueRole", "s3:GetObject", f"{artifacts}/glue/web_hits_aggregates.py")


def test_the_glue_role_is_scoped_to_the_pipelines_catalog_objects():
    """No AWSGlueServiceRole (glue:* on *): the role reaches this environment's databases only."""
    ours = f"arn:aws:glue:{REGION}:{ACCOUNT}:table/pipelines_{ENV}_lake/travel_times"
    assert role_may("GlueRole", "glue:CreatePartition", ours)
    assert not role_may("GlueRole", "glue:CreatePartition", f"arn:aws:glue:{REGION}:{ACCOUNT}:table/finance/ledger")
    assert not role_may(
        "GlueRole", "glue:DeleteDatabase", f"arn:aws:glue:{REGION}:{ACCOUNT}:database/pipelines_{ENV}_lake"
    )
    assert not role_may("GlueRole", "glue:StartJobRun", "*")
    assert role_may("GlueRole", "logs:PutLogEvents", f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws-glue/jobs/output")
