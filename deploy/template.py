"""deploy/pipelines.yaml read as data, and its values resolved for one environment and account
(by the tests holding the template and the settings together, and by the local AWS, which
signs and checks each caller as the template's role)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

TEMPLATE = Path(__file__).resolve().with_name("pipelines.yaml")


class _Loader(yaml.SafeLoader):
    """CloudFormation's short tags as plain values: ``!Sub "x-${EnvironmentName}"`` -> {"Sub": ...}."""


def _construct(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_mapping(node, deep=True)


for _tag in ("Sub", "Ref", "GetAtt", "Join", "Select", "Split", "If", "Equals", "ImportValue", "Not", "And", "Or"):
    _Loader.add_constructor(f"!{_tag}", lambda loader, node, tag=_tag: {tag: _construct(loader, node)})


def template() -> dict[str, Any]:
    return yaml.load(TEMPLATE.read_text(), Loader=_Loader)


class Resolver:
    """The values of the template's ``!Sub``, ``!Ref`` and ``!GetAtt X.Arn`` in ``env``, ``region``
    and ``account`` (a KMS key's id is not known before it exists: its ARN ends in ``*``)."""

    def __init__(self, env: str, region: str, account: str) -> None:
        self.env, self.region, self.account = env, region, account
        self.resources = template()["Resources"]

    def __call__(self, value: Any) -> str:
        if isinstance(value, str):
            return value
        (function, argument), *_ = value.items()
        if function == "Sub":
            return re.sub(r"\$\{([^}]+)\}", lambda m: self._variable(m.group(1)), argument)
        if function == "Ref":
            return self._variable(argument)
        if function == "GetAtt":
            return self._variable(argument if isinstance(argument, str) else ".".join(argument))
        raise ValueError(f"cannot resolve {value!r}")

    def _variable(self, name: str) -> str:
        pseudo = {"EnvironmentName": self.env, "AWS::Partition": "aws", "AWS::Region": self.region,
                  "AWS::AccountId": self.account}  # fmt: skip
        if name in pseudo:
            return pseudo[name]
        logical_id, _, attribute = name.partition(".")
        if attribute not in ("", "Arn"):
            raise ValueError(f"cannot resolve {name!r}")
        return self.arn(logical_id) if attribute == "Arn" else self.ref(logical_id)

    def name(self, logical_id: str) -> str:
        properties = self.resources[logical_id]["Properties"]
        for key in ("BucketName", "QueueName", "RoleName", "FunctionName", "Name", "StreamName"):
            if key in properties:
                return self(properties[key])
        raise ValueError(f"{logical_id} has no name")

    def ref(self, logical_id: str) -> str:
        kind = self.resources[logical_id]["Type"]
        if kind in ("AWS::SecretsManager::Secret", "AWS::KMS::Key"):
            return self.arn(logical_id)
        return self.name(logical_id)

    def arn(self, logical_id: str) -> str:
        kind = self.resources[logical_id]["Type"]
        where = f"{self.region}:{self.account}"
        if kind == "AWS::KMS::Key":
            return f"arn:aws:kms:{where}:key/*"
        name = self.name(logical_id)
        return {
            "AWS::S3::Bucket": f"arn:aws:s3:::{name}",
            "AWS::SQS::Queue": f"arn:aws:sqs:{where}:{name}",
            "AWS::Events::EventBus": f"arn:aws:events:{where}:event-bus/{name}",
            "AWS::IAM::Role": f"arn:aws:iam::{self.account}:role/{name}",
            "AWS::Kinesis::Stream": f"arn:aws:kinesis:{where}:stream/{name}",
            "AWS::Lambda::Function": f"arn:aws:lambda:{where}:function:{name}",
            "AWS::SecretsManager::Secret": f"arn:aws:secretsmanager:{where}:secret:{name}-*",
        }[kind]
