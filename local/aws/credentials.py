"""The one account of the local AWS, the credentials of its callers, and its client factory.

moto accepts any key; ``ACCESS_KEY_ID`` names the local account's user everywhere (tests, the
stack, Airflow's connection) so nothing local ever signs with a developer's real keys. Code that
AWS runs under a role (a Lambda function, a Glue job) gets a session of that role instead, as on
AWS: its calls carry the role's identity (``sts get-caller-identity`` answers the assumed role),
which is how the calls each role makes can be told apart (``local.aws.call_log``).
"""

from __future__ import annotations

from functools import cache

import boto3
from botocore.client import BaseClient
from botocore.config import Config
from moto.sts.models import sts_backends
from moto.utilities.utils import get_partition

ACCOUNT_ID = "123456789012"
ACCESS_KEY_ID = "testing"
SECRET_ACCESS_KEY = "testing"
CREDENTIALS = {"aws_access_key_id": ACCESS_KEY_ID, "aws_secret_access_key": SECRET_ACCESS_KEY}
# The same, as the environment variables of a process (Airflow, the local stack's tools).
ENVIRONMENT = {"AWS_ACCESS_KEY_ID": ACCESS_KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY}


def local_client(service: str, endpoint_url: str, region: str, config: Config | None = None) -> BaseClient:
    """A boto3 client of the local AWS at ``endpoint_url``, in ``region``."""
    return boto3.client(service, endpoint_url=endpoint_url, region_name=region, config=config, **CREDENTIALS)


def role_environment(role_arn: str, session_name: str, region: str) -> dict[str, str]:
    """Temporary credentials of a session of ``role_arn``, as the environment variables AWS gives
    a process running as that role. Called in the local AWS's own process (the engines run there).
    One session per role, name and region, as a warm Lambda keeps its credentials."""
    return dict(_session(role_arn, session_name, region))


@cache
def _session(role_arn: str, session_name: str, region: str) -> tuple[tuple[str, str], ...]:
    backend = sts_backends[ACCOUNT_ID][get_partition(region)]
    session = backend.assume_role(
        region_name=region,
        role_session_name=session_name[:64],
        role_arn=role_arn,
        policy="",
        duration=43200,
        external_id="",
    )
    return (
        ("AWS_ACCESS_KEY_ID", session.access_key_id),
        ("AWS_SECRET_ACCESS_KEY", session.secret_access_key),
        ("AWS_SESSION_TOKEN", session.session_token),
    )
