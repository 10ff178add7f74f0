"""Glue jobs' moto adapter: StartJobRun really runs the script, BatchStopJobRun stops it.

Only job-run methods are replaced (crawlers have their own adapter); GetJobRun/GetJobRuns need
no replacement because the runs moto keeps are ``LocalJobRun`` objects that report their real
state.
"""

from __future__ import annotations

import threading
from typing import Any

from moto.core.responses import ActionResult
from moto.glue.exceptions import ConcurrentRunsExceededException
from moto.glue.models import FakeJob, GlueBackend
from moto.glue.responses import GlueResponse

from local.aws.adapter import ServiceAdapter
from local.aws.context import ServiceContext
from local.aws.glue_jobs.runs import ACTIVE_STATES, JobRunner, LocalJobRun
from local.aws.patching import Patches


class GlueJobRuns:
    """The job runs of this endpoint, each a ``JobRunner`` thread."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.runners: dict[str, JobRunner] = {}
        self._lock = threading.Lock()

    def start_job_run(
        self,
        backend: GlueBackend,
        name: str,
        arguments: dict[str, str] | None,
        allocated_capacity: int | None,
        max_capacity: float | None,
        timeout: int | None,
        worker_type: str | None,
        security_configuration: str | None,
        number_of_workers: int | None,
        notification_property: dict[str, int] | None,
        previous_run_id: str | None,
    ) -> str:
        job = backend.get_job(name)
        merged = dict(job.default_arguments or {})
        merged.update(arguments or {})
        merged.update(job.non_overridable_arguments or {})  # last: a run cannot override these
        with self._lock:
            active = sum(1 for run in job.job_runs if run.status in ACTIVE_STATES)
            limit = (job.execution_property or {}).get("MaxConcurrentRuns", 1)
            if active >= limit:
                raise ConcurrentRunsExceededException(f"Concurrent runs exceeded for {name}")
            run = LocalJobRun(
                job,
                merged,
                timeout or job.timeout,
                allocated_capacity=allocated_capacity or job.allocated_capacity,
                max_capacity=max_capacity or job.max_capacity,
                worker_type=worker_type or job.worker_type,
                security_configuration=security_configuration or job.security_configuration,
                number_of_workers=number_of_workers or job.number_of_workers,
                notification_property=notification_property or job.notification_property,
                job_run_id=previous_run_id,
            )
            job.job_runs.append(run)
            runner = JobRunner(self.ctx, job, run, backend.region_name)
            self.runners[run.job_run_id] = runner
        runner.start()
        return run.job_run_id

    def batch_stop_job_run(self, backend: GlueBackend, job_name: str, run_ids: list[str]) -> dict[str, Any]:
        job = backend.get_job(job_name)
        known = {run.job_run_id: run for run in job.job_runs}
        submitted, errors = [], []
        for run_id in run_ids:
            run = known.get(run_id)
            runner = self.runners.get(run_id)
            if run is None or runner is None or run.status not in ("STARTING", "RUNNING", "STOPPING"):
                state = run.status if run else "not found"
                errors.append(
                    {
                        "JobName": job_name,
                        "JobRunId": run_id,
                        "ErrorDetail": {
                            "ErrorCode": "InvalidInputException",
                            "ErrorMessage": f"Job run {run_id} cannot be stopped: {state}",
                        },
                    }
                )
                continue
            runner.stop()
            submitted.append({"JobName": job_name, "JobRunId": run_id})
        return {"SuccessfulSubmissions": submitted, "Errors": errors}

    def stop_all(self, timeout: float = 30.0) -> None:
        for runner in list(self.runners.values()):
            runner.stop()
        for runner in list(self.runners.values()):
            runner.thread.join(timeout)


def start_job_run(backend: GlueBackend, name: str, arguments: dict[str, str] | None, *rest: Any) -> str:
    return ADAPTER.engine.start_job_run(backend, name, arguments, *rest)


def batch_stop_job_run(backend: GlueBackend, job_name: str, run_ids: list[str]) -> dict[str, Any]:
    return ADAPTER.engine.batch_stop_job_run(backend, job_name, run_ids)


def response_batch_stop_job_run(response: GlueResponse) -> ActionResult:
    result = response.glue_backend.batch_stop_job_run(  # type: ignore[attr-defined]
        response._get_param("JobName"), response._get_param("JobRunIds") or []
    )
    return ActionResult(result)


# DPUs of one worker, by worker type (Glue's documentation of worker types).
WORKER_DPU = {"G.025X": 0.25, "G.1X": 1, "G.2X": 2, "G.4X": 4, "G.8X": 8}


def job_as_dict(self: FakeJob) -> dict[str, Any]:
    """GetJob's Job as AWS answers it: moto echoes the request; AWS adds the defaults it applied
    (the Python version of a Spark job, one concurrent run, no retries, the standard execution
    class, the capacity its workers make) and leaves out what is not set."""
    data = {k: v for k, v in ADAPTER.original(FakeJob, "as_dict")(self).items() if v is not None}
    command = dict(data.get("Command") or {})
    if command.get("Name") in ("glueetl", "gluestreaming"):
        command.setdefault("PythonVersion", "3")
    data["Command"] = command
    data.setdefault("ExecutionProperty", {"MaxConcurrentRuns": 1})
    data.setdefault("MaxRetries", 0)
    data.setdefault("ExecutionClass", "STANDARD")
    if data.get("WorkerType") in WORKER_DPU and data.get("NumberOfWorkers"):
        capacity = WORKER_DPU[data["WorkerType"]] * data["NumberOfWorkers"]
        data.setdefault("MaxCapacity", float(capacity))
        data.setdefault("AllocatedCapacity", int(capacity))
    return data


ADAPTER = ServiceAdapter(
    "Glue jobs",
    Patches(
        (GlueBackend, "start_job_run", start_job_run),
        (GlueBackend, "batch_stop_job_run", batch_stop_job_run),
        (GlueResponse, "batch_stop_job_run", response_batch_stop_job_run),
        (FakeJob, "as_dict", job_as_dict),
    ),
    start=GlueJobRuns,
    stop=GlueJobRuns.stop_all,
)
