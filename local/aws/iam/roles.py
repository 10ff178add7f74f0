"""The template's roles and key policy as policy statements for one environment, account and
region: what the local AWS checks each caller against, as AWS checks the deployed roles.

AWS managed policies a role attaches are read from moto's copy of AWS's published documents.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from moto.iam.aws_managed_policies import aws_managed_policies_data

from deploy.template import Resolver, template

# The roles whose sessions sign requests to the local AWS, by logical id in the template.
ROLES = {"mwaa": "MwaaExecutionRole", "downloader": "DownloaderRole", "glue": "GlueRole", "firehose": "FirehoseRole"}


def resolved(value: Any, resolve: Resolver) -> Any:
    """``value`` with every intrinsic function (``!Sub``, ``!Ref``, ``!GetAtt``) replaced by its value."""
    if isinstance(value, dict):
        if len(value) == 1 and next(iter(value)) in ("Sub", "Ref", "GetAtt"):
            return resolve(value)
        return {key: resolved(item, resolve) for key, item in value.items()}
    if isinstance(value, list):
        return [resolved(item, resolve) for item in value]
    return value


@cache
def _managed(name: str) -> tuple[dict[str, Any], ...]:
    return tuple(json.loads(aws_managed_policies_data)[name]["Document"]["Statement"])


def role_statements(logical_id: str, resolve: Resolver) -> list[dict[str, Any]]:
    """Every statement of the role's inline and attached AWS managed policies."""
    properties = template()["Resources"][logical_id]["Properties"]
    found = [s for policy in properties.get("Policies", []) for s in policy["PolicyDocument"]["Statement"]]
    found = resolved(found, resolve)
    for arn in resolved(properties.get("ManagedPolicyArns", []), resolve):
        found += [dict(s) for s in _managed(arn.rsplit("/", 1)[1])]
    return found


def key_policy(resolve: Resolver) -> list[dict[str, Any]]:
    return resolved(template()["Resources"]["DataKey"]["Properties"]["KeyPolicy"]["Statement"], resolve)
