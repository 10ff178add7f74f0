"""The emulator's own tests: Airflow's connection acts as the account (the emulated services
are under test, not the project's roles: those are iam/'s); clients of the second region
(eu-west-1) against the shared local AWS, and a bucket there."""

from __future__ import annotations

import uuid

import pytest

from local.airflow_env import aws_connection
from pipelines.settings import SETTINGS
from tests.support.regions import SECOND_REGION, Regional


@pytest.fixture(autouse=True)
def account_connection(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if "local_aws" in request.fixturenames:
        endpoint = request.getfixturevalue("local_aws").endpoint_url
        connection = aws_connection(endpoint, SETTINGS, as_mwaa_role=False)
        monkeypatch.setenv(f"AIRFLOW_CONN_{SETTINGS.aws_conn_id.upper()}", connection)


@pytest.fixture(scope="module")
def eu(local_aws) -> Regional:
    return Regional(local_aws.endpoint_url, SECOND_REGION)


@pytest.fixture(scope="module")
def bucket(eu: Regional) -> str:
    """A bucket of the second region (created with that LocationConstraint), one per module."""
    name = f"second-region-{uuid.uuid4().hex[:8]}"
    eu.client("s3").create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": SECOND_REGION})
    return name
