"""A Python function deployed to the local Lambda from source text, for the tests that invoke one."""

from __future__ import annotations

import io
import textwrap
import uuid
import zipfile
from typing import Any

from local.aws.credentials import ACCOUNT_ID


def python_function(aws: Any, role_name: str, source: str, handler: str, prefix: str, **configuration: Any) -> str:
    """Create ``role_name`` if missing and a function whose package holds ``source`` as the
    module ``handler`` names (``module.func``); return the function's unique name."""
    iam = aws.client("iam")
    try:
        iam.create_role(RoleName=role_name, AssumeRolePolicyDocument="{}")
    except iam.exceptions.EntityAlreadyExistsException:
        pass
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr(f"{handler.split('.')[0]}.py", textwrap.dedent(source))
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    aws.client("lambda").create_function(
        FunctionName=name,
        Role=f"arn:aws:iam::{ACCOUNT_ID}:role/{role_name}",
        Handler=handler,
        Code={"ZipFile": package.getvalue()},
        **configuration,
    )
    return name
