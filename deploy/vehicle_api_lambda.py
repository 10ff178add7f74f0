"""Create or update the downloader Lambda in an AWS endpoint (local.provision calls this)."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from deploy.lambda_package import HANDLER, build_zip
from pipelines.settings import Settings
from pipelines.vehicle_api.download import DOWNLOADER_TIMEOUT_SECONDS

RUNTIME = "python3.12"
SECRET_ENV = "VEHICLE_API_SECRET"  # same name as in the handler
TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def _code_sha256(zip_bytes: bytes) -> str:
    return base64.b64encode(hashlib.sha256(zip_bytes).digest()).decode()


def _ensure_role(iam: BaseClient, name: str) -> str:
    try:
        return iam.get_role(RoleName=name)["Role"]["Arn"]
    except ClientError as err:
        if err.response["Error"]["Code"] != "NoSuchEntity":
            raise
    return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))["Role"]["Arn"]


def put_secret(secrets: BaseClient, name: str, value: dict[str, Any]) -> None:
    """Create the secret, or give it a new value if it exists."""
    try:
        secrets.create_secret(Name=name, SecretString=json.dumps(value))
    except ClientError as err:
        if err.response["Error"]["Code"] != "ResourceExistsException":
            raise
        secrets.put_secret_value(SecretId=name, SecretString=json.dumps(value))


def deploy_downloader(
    client: Callable[[str], BaseClient],
    settings: Settings,
    secret_value: dict[str, Any] | None = None,
    *,
    function_name: str | None = None,
    role_arn: str | None = None,
    timeout: int = DOWNLOADER_TIMEOUT_SECONDS,
    memory_size: int = 256,
) -> list[str]:
    """Create the downloader function, or bring an existing one up to date (code and configuration).

    ``client(service)`` returns a boto3 client of the target endpoint. ``secret_value``
    (``{"base_url", "client_id", "client_secret"}``), when given, is written to the secret
    ``settings.vehicle_api_secret`` first. Without ``role_arn`` a role named after the function
    is created if missing. Returns a line per resource for the provisioning log (no secret values).
    """
    name = function_name or settings.vehicle_api_lambda
    done = []
    if secret_value is not None:
        put_secret(client("secretsmanager"), settings.vehicle_api_secret, secret_value)
        done.append(f"secret {settings.vehicle_api_secret}")
    role = role_arn or _ensure_role(client("iam"), name)
    zip_bytes = build_zip()
    configuration = {
        "Role": role,
        "Runtime": RUNTIME,
        "Handler": HANDLER,
        "Timeout": timeout,
        "MemorySize": memory_size,
        "Environment": {"Variables": {SECRET_ENV: settings.vehicle_api_secret}},
    }
    lam = client("lambda")
    try:
        current = lam.get_function_configuration(FunctionName=name)
    except ClientError as err:
        if err.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
        current = None
    if current is None:
        lam.create_function(FunctionName=name, Code={"ZipFile": zip_bytes}, **configuration)
        done.append(f"lambda {name} created")
        return done
    if current.get("CodeSha256") != _code_sha256(zip_bytes):
        lam.update_function_code(FunctionName=name, ZipFile=zip_bytes)
    lam.update_function_configuration(FunctionName=name, **configuration)
    done.append(f"lambda {name} updated")
    return done
