"""A Glue job defined by the code: the provider's create-or-update creates it once and then finds
nothing to update, though GetJob answers with the defaults AWS applied."""

from __future__ import annotations

import uuid

from airflow.providers.amazon.aws.hooks.glue import GlueJobHook

from pipelines.settings import SETTINGS
from pipelines.web_hits.tables import JOB


def test_the_job_is_created_once_and_not_updated_while_it_is_the_codes(local_aws):
    name = f"pipelines-{SETTINGS.env}-glue-runs-{uuid.uuid4().hex[:8]}"

    def hook() -> GlueJobHook:
        return GlueJobHook(
            job_name=name, desc="AWS Glue Job with Airflow", iam_role_arn=SETTINGS.glue_role,
            create_job_kwargs=JOB.config(SETTINGS),
            aws_conn_id=SETTINGS.aws_conn_id, region_name=SETTINGS.region,
        )  # fmt: skip

    hook().create_or_update_glue_job()
    answered = local_aws.client("glue").get_job(JobName=name)["Job"]
    assert answered["Command"]["PythonVersion"] == "3" and answered["MaxCapacity"] == 2.0
    assert answered["ExecutionProperty"] == {"MaxConcurrentRuns": 1} and answered["ExecutionClass"] == "STANDARD"
    first = hook()
    assert first.update_job(**first.create_glue_job_config()) is False  # nothing to update
    local_aws.client("glue").delete_job(JobName=name)
