"""Clients of the second region (eu-west-1) against the shared local AWS, and a bucket there."""

from __future__ import annotations

import uuid

import pytest

from tests.support.regions import SECOND_REGION, Regional


@pytest.fixture(scope="module")
def eu(local_aws) -> Regional:
    return Regional(local_aws.endpoint_url, SECOND_REGION)


@pytest.fixture(scope="module")
def bucket(eu: Regional) -> str:
    """A bucket of the second region (created with that LocationConstraint), one per module."""
    name = f"second-region-{uuid.uuid4().hex[:8]}"
    eu.client("s3").create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": SECOND_REGION})
    return name
