"""What one invocation needs to know about a function, read from moto's model at invoke time."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from moto.awslambda.exceptions import LambdaClientError
from moto.awslambda.models import LambdaFunction, lambda_backends


@dataclass(frozen=True)
class Layer:
    sha256_hex: str
    zip_bytes: bytes


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    version: str
    arn: str
    handler: str
    runtime: str
    timeout: float
    memory_size: int
    region: str
    role: str
    environment: dict[str, str]
    code_sha256_hex: str
    code_bytes: bytes
    layers: list[Layer] = field(default_factory=list)

    @property
    def log_group(self) -> str:
        return f"/aws/lambda/{self.name}"


def function_spec(fn: LambdaFunction) -> FunctionSpec:
    """Copy what an invocation needs, refusing what the local runtime cannot run."""
    if fn.package_type != "Zip":
        raise LambdaClientError("InvalidRuntimeException", "local Lambda runs only Zip packages, not container images")
    runtime = fn.run_time or ""
    if not runtime.startswith("python3"):
        raise LambdaClientError("InvalidRuntimeException", f"local Lambda runs only Python functions, not {runtime!r}")
    if not getattr(fn, "code_bytes", b""):
        raise LambdaClientError("InvalidRuntimeException", f"function {fn.function_name} has no code package")
    version = str(fn.version)
    # moto keeps "$LATEST" in the ARN only in listings; invocations of $LATEST report the bare ARN.
    arn = fn.function_arn.removesuffix(":$LATEST")
    return FunctionSpec(
        name=fn.function_name,
        version=version,
        arn=arn,
        handler=fn.handler or "",
        runtime=runtime,
        timeout=float(fn.timeout),
        memory_size=int(fn.memory_size),
        region=fn.region,
        role=fn.role,
        environment={str(k): str(v) for k, v in (fn.environment_vars or {}).items()},
        code_sha256_hex=getattr(fn, "code_digest", "") or hashlib.sha256(fn.code_bytes).hexdigest(),
        code_bytes=fn.code_bytes,
        layers=_layers(fn),
    )


def _layers(fn: LambdaFunction) -> list[Layer]:
    backend = lambda_backends[fn.account_id][fn.region]
    layers = []
    for ref in fn.layers:
        layer: Any = backend.layers_versions_by_arn(ref["Arn"])
        code = getattr(layer, "code_bytes", b"") if layer else b""
        if not code:
            raise LambdaClientError("InvalidParameterValueException", f"layer {ref['Arn']} has no code package")
        layers.append(Layer(hashlib.sha256(code).hexdigest(), code))
    return layers
