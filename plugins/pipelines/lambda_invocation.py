"""The provider's LambdaInvokeFunctionOperator, keeping what the invocation was billed.

Lambda reports an invocation's billed duration and memory only in its log's REPORT line, which
a synchronous invocation returns with ``LogType=Tail`` (the last 4 KB of the log, shown in the
task's log by the operator); no operator keeps it. This one pushes it as the XCom
``lambda_report`` (``{"billed_ms", "memory_mb"}``) for the run ledger, whatever the outcome.
"""

from __future__ import annotations

import base64
import re
from typing import Any

from airflow.providers.amazon.aws.hooks.lambda_function import LambdaHook
from airflow.providers.amazon.aws.operators.lambda_function import LambdaInvokeFunctionOperator

LAMBDA_REPORT_KEY = "lambda_report"
_BILLED = re.compile(r"Billed Duration: (\d+) ms")
_MEMORY = re.compile(r"Memory Size: (\d+) MB")


def billed(log_result: str | None) -> dict[str, int] | None:
    """``{"billed_ms", "memory_mb"}`` from a base64 log tail's REPORT line, or None."""
    if not log_result:
        return None
    text = base64.b64decode(log_result).decode(errors="replace")
    report = next((line for line in reversed(text.splitlines()) if line.startswith("REPORT ")), "")
    billed_ms, memory = _BILLED.search(report), _MEMORY.search(report)
    if not (billed_ms and memory):
        return None
    return {"billed_ms": int(billed_ms.group(1)), "memory_mb": int(memory.group(1))}


class BilledLambdaHook(LambdaHook):
    """LambdaHook keeping the last invocation's billed figures (``last_billed``)."""

    last_billed: dict[str, int] | None = None

    def invoke_lambda(self, **kwargs: Any) -> Any:
        response = super().invoke_lambda(**kwargs)
        self.last_billed = billed(response.get("LogResult"))
        return response


class LambdaInvocationOperator(LambdaInvokeFunctionOperator):
    aws_hook_class = BilledLambdaHook

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("log_type", "Tail")
        super().__init__(**kwargs)

    def execute(self, context: Any) -> Any:
        try:
            return super().execute(context)
        finally:
            if self.hook.last_billed:
                context["ti"].xcom_push(key=LAMBDA_REPORT_KEY, value=self.hook.last_billed)
