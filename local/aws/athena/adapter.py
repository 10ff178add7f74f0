"""Athena's moto adapter: StartQueryExecution really runs the statement on DuckDB (``executor``).

Replaces methods of moto's Athena backend and response class in this process; workgroups, named
queries, data catalogs and the rest of moto's Athena API stay as moto serves them.
"""

from __future__ import annotations

import json
from typing import Any

from moto.athena.models import AthenaBackend, Execution
from moto.athena.responses import AthenaResponse

from local.aws.adapter import ServiceAdapter
from local.aws.athena import results
from local.aws.athena.access import CallerAccess
from local.aws.athena.catalog import Catalog
from local.aws.athena.errors import InvalidRequest
from local.aws.athena.executor import TERMINAL, Executor, QueryRun, classify
from local.aws.athena.sqltext import bind_parameters
from local.aws.iam.adapter import caller_policy
from local.aws.patching import Patches

MAX_QUERY_BYTES = 262_144  # StartQueryExecution's QueryString: not an adjustable quota (Athena troubleshooting guide)


class RealExecution(Execution):
    """moto's Execution whose state is the engine's run, not moto's timed state machine."""

    def __init__(self, run: QueryRun, *args: Any, **kwargs: Any) -> None:
        self.run = run
        super().__init__(*args, **kwargs)

    @property
    def status(self) -> str:  # type: ignore[override]
        return self.run.state if hasattr(self, "run") else "QUEUED"

    @status.setter
    def status(self, value: str) -> None:
        if value == "CANCELLED" and ADAPTER.installed:
            ADAPTER.engine.cancel(self.run.query_id)


def _output_base(backend: AthenaBackend, config: dict[str, Any] | None, workgroup: str | None) -> str:
    group = backend.work_groups.get(workgroup or "primary")
    group_config = group.configuration if group else {}
    group_location = (group_config.get("ResultConfiguration") or {}).get("OutputLocation")
    client_location = (config or {}).get("OutputLocation")
    if group_location and (group_config.get("EnforceWorkGroupConfiguration") or not client_location):
        return group_location
    if client_location:
        return client_location
    raise InvalidRequest(
        "No output location provided. An output location is required either through the Workgroup result "
        "configuration setting or as an API input."
    )


def _caller_access(backend: AthenaBackend) -> CallerAccess | None:
    """As whom the query reads and writes: the identity of the request that starts it."""
    policy = caller_policy()
    return None if policy is None else CallerAccess(*policy, backend.account_id, backend.region_name)


def start_query_execution(
    self: AthenaBackend,
    query: str,
    context: dict[str, str] | None,
    config: dict[str, Any] | None,
    workgroup: str | None,
    execution_parameters: list[str] | None,
) -> str:
    if not query or not query.strip():
        raise InvalidRequest("QueryString must not be empty")
    if len(query.encode()) > MAX_QUERY_BYTES:
        raise InvalidRequest(
            f"1 validation error detected: Value '{query}' at 'queryString' failed to satisfy constraint: "
            f"Member must have length less than or equal to {MAX_QUERY_BYTES}"
        )
    base = _output_base(self, config, workgroup)
    group = self.work_groups.get(workgroup or "primary")
    cutoff = ((group.configuration if group else None) or {}).get("BytesScannedCutoffPerQuery")
    statement_type, substatement = classify(query)
    run = QueryRun(
        query_id="",
        sql=bind_parameters(query, execution_parameters),
        database=((context or {}).get("Database") or "default").lower(),
        output_location="",
        statement_type=statement_type,
        substatement_type=substatement,
        catalog=Catalog(self.account_id, self.region_name, _caller_access(self)),
        bytes_cutoff=int(cutoff) if cutoff else None,
    )
    execution = RealExecution(
        run,
        query=query,
        context=context,
        config={**(config or {}), "OutputLocation": base},
        workgroup=group,
        execution_parameters=execution_parameters,
    )
    extension = "csv" if statement_type == "DML" else "txt"
    execution.config["OutputLocation"] = f"{base.rstrip('/')}/{execution.id}.{extension}"
    run.query_id, run.output_location = execution.id, execution.config["OutputLocation"]
    catalog_name = (context or {}).get("Catalog") or "AwsDataCatalog"
    if catalog_name.lower() != "awsdatacatalog":
        run.state, run.reason = "FAILED", f"NOT_SUPPORTED: Catalog '{catalog_name}' is not supported locally"
    self.executions[execution.id] = execution
    if run.state == "QUEUED":
        ADAPTER.engine.submit(run)
    else:
        ADAPTER.engine.runs[run.query_id] = run
    return execution.id


def stop_query_execution(self: AthenaBackend, exec_id: str) -> None:
    if exec_id not in self.executions:
        raise InvalidRequest(f"QueryExecution {exec_id} was not found")
    ADAPTER.engine.cancel(exec_id)


def _describe(backend: AthenaBackend, exec_id: str) -> dict[str, Any]:
    execution = backend.executions.get(exec_id)
    run = ADAPTER.engine.runs.get(exec_id)
    if execution is None or run is None:
        raise InvalidRequest(f"QueryExecution {exec_id} was not found")
    status: dict[str, Any] = {"State": run.state, "SubmissionDateTime": run.submitted}
    if run.state in TERMINAL:
        status["CompletionDateTime"] = run.completed
    if run.reason:
        status["StateChangeReason"] = run.reason
        if run.state == "FAILED":
            status["AthenaError"] = {
                "ErrorCategory": 2,
                "ErrorType": 1006,
                "Retryable": False,
                "ErrorMessage": run.reason,
            }
    described: dict[str, Any] = {
        "QueryExecutionId": exec_id,
        "Query": execution.query,
        "StatementType": run.statement_type,
        "SubstatementType": run.substatement_type,
        "ResultConfiguration": execution.config,
        "ResultReuseConfiguration": {"ResultReuseByAgeConfiguration": {"Enabled": False}},
        "QueryExecutionContext": execution.context or {},
        "Status": status,
        "Statistics": run.statistics(),
        "WorkGroup": execution.workgroup.name if execution.workgroup else "primary",
        "EngineVersion": {"SelectedEngineVersion": "AUTO", "EffectiveEngineVersion": "Athena engine version 3"},
    }
    if execution.execution_parameters is not None:
        described["ExecutionParameters"] = execution.execution_parameters
    return described


# A poll for an unfinished query waits this long for it to finish before answering: clients see
# the final state as soon as it is reached instead of on their next poll, and a client polling
# in a tight loop does not starve the query of the interpreter.
POLL_WAIT_SECONDS = 0.05


def response_get_query_execution(self: AthenaResponse) -> str:
    exec_id = self._get_param("QueryExecutionId")
    run = ADAPTER.engine.runs.get(exec_id)
    if run is not None and run.state not in TERMINAL:
        run.done.wait(POLL_WAIT_SECONDS)
    return json.dumps({"QueryExecution": _describe(self.athena_backend, exec_id)})


def response_batch_get_query_execution(self: AthenaResponse) -> str:
    found, missing = [], []
    for exec_id in self._get_param("QueryExecutionIds") or []:
        try:
            found.append(_describe(self.athena_backend, exec_id))
        except InvalidRequest as err:
            missing.append(
                {"QueryExecutionId": exec_id, "ErrorCode": "InvalidRequestException", "ErrorMessage": err.message}
            )
    return json.dumps({"QueryExecutions": found, "UnprocessedQueryExecutionIds": missing})


def response_get_query_results(self: AthenaResponse) -> str:
    exec_id = self._get_param("QueryExecutionId")
    run = ADAPTER.engine.runs.get(exec_id)
    if run is None:
        if exec_id not in self.athena_backend.executions:
            raise InvalidRequest(f"QueryExecution {exec_id} was not found")
        return ADAPTER.original(AthenaResponse, "get_query_results")(self)
    if run.state in ("QUEUED", "RUNNING"):
        raise InvalidRequest(f"Query has not yet finished. Current state: {run.state}")
    if run.state != "SUCCEEDED" or run.result is None:
        raise InvalidRequest(f"Query did not finish successfully. Final query state: {run.state}")
    token = self._get_param("NextToken")
    if token and not results.valid_token(token):
        raise InvalidRequest("NextToken is invalid")
    max_results = self._get_param("MaxResults")
    if max_results is not None and not 1 <= int(max_results) <= results.MAX_PAGE:
        raise InvalidRequest("MaxResults must be between 1 and 1000")
    return json.dumps(results.page(run.result, token, int(max_results) if max_results else None))


ADAPTER = ServiceAdapter(
    "Athena",
    Patches(
        (AthenaBackend, "start_query_execution", start_query_execution),
        (AthenaBackend, "stop_query_execution", stop_query_execution),
        (AthenaResponse, "get_query_execution", response_get_query_execution),
        (AthenaResponse, "get_query_results", response_get_query_results),
        (AthenaResponse, "batch_get_query_execution", response_batch_get_query_execution),
    ),
    start=lambda ctx: Executor(ctx.s3, ctx.data_dir / "athena", pace=ctx.pace),
    stop=Executor.shutdown,
)
