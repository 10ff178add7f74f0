"""The one account and the one set of credentials of the local AWS, and its client factory.

moto accepts any key; these name the local account everywhere (tests, the stack, the engines'
own clients, Airflow's connection) so nothing local ever signs with a developer's real keys.
"""

from __future__ import annotations

import boto3
from botocore.client import BaseClient

ACCOUNT_ID = "123456789012"
ACCESS_KEY_ID = "testing"
SECRET_ACCESS_KEY = "testing"
CREDENTIALS = {"aws_access_key_id": ACCESS_KEY_ID, "aws_secret_access_key": SECRET_ACCESS_KEY}
# The same, as the environment variables of a process (a Lambda, a Spark job, Airflow).
ENVIRONMENT = {"AWS_ACCESS_KEY_ID": ACCESS_KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY}


def local_client(service: str, endpoint_url: str, region: str) -> BaseClient:
    """A boto3 client of the local AWS at ``endpoint_url``, in ``region``."""
    return boto3.client(service, endpoint_url=endpoint_url, region_name=region, **CREDENTIALS)
