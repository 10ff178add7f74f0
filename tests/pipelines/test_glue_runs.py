"""A Glue job defined by the code: the provider's create-or-update creates it once and then finds
nothing to update, though GetJob answers with the defaults AWS applied; and a DAG run's job runs."""

from __future__ import annotations

import uuid

from airflow.providers.amazon.aws.hooks.glue import GlueJobHook

from pipelines.glue_runs import job_runs_of
from pipelines.partitions import run_key
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


class PagedGlue:
    """GetJobRuns answered in pages of one run, as Glue pages a long history."""

    def __init__(self, runs: list[dict]) -> None:
        self.runs = runs

    def get_paginator(self, name: str) -> PagedGlue:
        assert name == "get_job_runs"
        return self

    def paginate(self, JobName: str) -> list[dict]:
        return [{"JobRuns": [run]} for run in self.runs]


def test_the_runs_of_a_dag_run_are_its_tries_on_every_page_and_no_other_runs():
    key = run_key("web_hits_hourly", "manual__2026-12-01T10:00:00+00:00")
    runs = [
        {"Id": "a", "Arguments": {"--attempt": f"{key}-1"}},
        {"Id": "b", "Arguments": {"--attempt": "otherrun0000-1"}},
        {"Id": "c", "Arguments": {}},
        {"Id": "d", "Arguments": {"--attempt": f"{key}-2"}},
    ]
    found = job_runs_of(PagedGlue(runs), "job", "web_hits_hourly", "manual__2026-12-01T10:00:00+00:00")
    assert [r["Id"] for r in found] == ["a", "d"]
