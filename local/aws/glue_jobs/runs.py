"""Job runs that really run: state, timing and error of one run, and the thread that drives it."""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from moto.core.utils import utcnow
from moto.glue.models import FakeJob, FakeJobRun

from local.aws import pace
from local.aws.context import ServiceContext
from local.aws.credentials import role_environment
from local.aws.glue_jobs import jvm_cache, spark_env
from local.aws.glue_jobs.cloudwatch import DEFAULT_LOG_GROUP, RunLogs
from local.aws.glue_jobs.workspace import S3Workspace
from local.aws.s3.files import S3Object, split_uri

log = logging.getLogger(__name__)

ACTIVE_STATES = ("STARTING", "RUNNING", "STOPPING", "WAITING")
DEFAULT_TIMEOUT_MINUTES = 2880  # Glue's default for Spark jobs
LAUNCHER = spark_env.RUNTIME / "glue_job_launcher.py"


class LocalJobRun(FakeJobRun):
    """moto's job run, with the state, times and error of the real run instead of a timer's."""

    def __init__(self, job: FakeJob, arguments: dict[str, str], timeout: int | None, **kwargs: Any) -> None:
        super().__init__(job_name=job.name, arguments=arguments, timeout=timeout, **kwargs)
        self._state = "STARTING"
        self.glue_version = job.glue_version or "5.0"
        self.log_group = arguments.get("--continuous-log-logGroup") or DEFAULT_LOG_GROUP
        self.error_message: str | None = None
        self.completed_on: datetime | None = None  # type: ignore[assignment]
        self.stop_requested = threading.Event()

    @property  # type: ignore[override]
    def status(self) -> str:
        return self._state

    @status.setter
    def status(self, value: str) -> None:
        self._state = value
        self.modified_on = utcnow()

    def finish(self, state: str, error: str | None = None) -> None:
        self.error_message = error
        self.completed_on = utcnow()
        self.status = state

    def as_dict(self) -> dict[str, Any]:
        result = super().as_dict()
        end = self.completed_on or utcnow()
        result.update(
            {
                "JobRunState": self.status,
                "ExecutionTime": int((end - self.started_on).total_seconds()),
                "LogGroupName": self.log_group,
                "GlueVersion": self.glue_version,
                "Timeout": self.timeout or DEFAULT_TIMEOUT_MINUTES,
            }
        )
        if self.completed_on is None:
            result.pop("CompletedOn", None)
        if self.error_message:
            result["ErrorMessage"] = self.error_message
        return result


def job_arguments(job: FakeJob, run: LocalJobRun) -> list[str]:
    """The command line Glue gives a script: the run's merged arguments plus the run identifiers."""
    merged = dict(run.arguments or {})
    merged.setdefault("--job-bookmark-option", "job-bookmark-disable")
    merged["--JOB_ID"] = "j_" + hashlib.sha256(job.arn.encode()).hexdigest()
    merged["--JOB_RUN_ID"] = run.job_run_id
    merged["--JOB_NAME"] = job.name
    argv: list[str] = []
    for key, value in merged.items():
        argv += [key if key.startswith("--") else f"--{key}", str(value)]
    return argv


def spark_conf_argument(value: str) -> dict[str, str]:
    """Glue's ``--conf`` argument, ``k=v`` or ``k=v --conf k2=v2 ...``, as Spark settings."""
    settings = {}
    for item in value.split("--conf"):
        key, eq, setting = item.strip().partition("=")
        if eq and key:
            settings[key.strip()] = setting.strip()
    return settings


class JobRunner:
    """Drives one run in a thread: script from S3, S3 workspace, Spark process, logs, results back to S3."""

    def __init__(self, ctx: ServiceContext, job: FakeJob, run: LocalJobRun, region: str) -> None:
        self.ctx = ctx
        self.job = job
        self.run = run
        self.region = region  # the job's region: its script's clients and its logs are there
        self.run_dir = ctx.data_dir / "glue-jobs" / "runs" / run.job_run_id
        self.thread = threading.Thread(target=self._drive, name=f"glue-job-{job.name}", daemon=True)
        self.archive: jvm_cache.ClassArchive | None = None
        self.submitted = time.monotonic()

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        """Ask the run to stop; the driving thread ends the process and records STOPPED."""
        if self.run.status in ("STARTING", "RUNNING"):
            self.run.status = "STOPPING"
        self.run.stop_requested.set()

    def _drive(self) -> None:
        logs = RunLogs(self.ctx.s3.account_id, self.region, self.run.log_group, self.run.job_run_id)
        workspace = S3Workspace(self.ctx.s3, self.run_dir / "s3")
        try:
            state, error = self._execute(logs, workspace)
        except Exception as exc:  # the engine's own failure still ends the run, visibly
            log.exception("glue job run %s failed in the engine", self.run.job_run_id)
            state, error = "FAILED", f"local Glue engine error: {exc}"
            logs.put(logs.error_group, [error])
        finally:
            workspace.remove()
            shutil.rmtree(self.run_dir, ignore_errors=True)
        self.run.finish(state, error)

    def _execute(self, logs: RunLogs, workspace: S3Workspace) -> tuple[str, str | None]:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        script = self._fetch_script()
        if isinstance(script, str):
            logs.put(logs.error_group, [script])
            return "FAILED", script
        began = time.monotonic()
        linked = workspace.prepare()
        log.info(
            "glue job run %s: %d S3 objects linked in %.2f s", self.run.job_run_id, linked, time.monotonic() - began
        )
        archive_part = self.run_dir / "classes.jsa"
        env = self._environment(workspace, archive_part)
        if isinstance(env, str):
            logs.put(logs.error_group, [env])
            return "FAILED", env
        # AWS's start of the job's workers (the pace's floor), counted from the StartJobRun
        if not pace.hold(self.submitted, self.ctx.pace.glue_job_start_seconds, self.run.stop_requested):
            return "STOPPED", None
        with subprocess.Popen(
            [sys.executable, str(LAUNCHER), str(script), *job_arguments(self.job, self.run)],
            cwd=self.run_dir,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
            start_new_session=True,  # its own process group: stopping it ends the JVM too
        ) as process:  # closes the pipes once the pumps are done
            if self.run.status == "STARTING":
                self.run.status = "RUNNING"
            pumps = [
                logs.pump(process.stdout, logs.output_group),  # type: ignore[arg-type]
                logs.pump(process.stderr, logs.error_group),  # type: ignore[arg-type]
            ]
            ended = self._wait(process)
            for pump in pumps:
                pump.join(timeout=10)
        if self.archive is not None and self.archive.keep(archive_part):
            log.info("glue job run %s wrote the JVM class archive %s", self.run.job_run_id, self.archive.path)
        changes = workspace.push_changes()
        log.info(
            "glue job run %s: %d objects written, %d deleted",
            self.run.job_run_id,
            len(changes.put),
            len(changes.deleted),
        )
        if ended == "STOPPED":
            return "STOPPED", None
        if ended == "TIMEOUT":
            message = f"Job run timed out after {self.run.timeout or DEFAULT_TIMEOUT_MINUTES} minutes"
            logs.put(logs.error_group, [message])
            return "TIMEOUT", message
        if changes.errors:
            logs.put(logs.error_group, changes.errors)
        if process.returncode == 0:
            return ("FAILED", changes.errors[0]) if changes.errors else ("SUCCEEDED", None)
        error_file = self.run_dir / "error.txt"
        if error_file.exists():
            return "FAILED", error_file.read_text(encoding="utf-8").strip()
        return "FAILED", f"Job process exited with code {process.returncode}"

    def _environment(self, workspace: S3Workspace, archive_part: Path) -> dict[str, str] | str:
        """The job process's environment (Spark settings in a properties file), or why it cannot run."""
        arguments = self.run.arguments or {}
        cache = jvm_cache.cache_dir(fallback=self.ctx.data_dir / "glue-jobs")
        file_system, conf_dir = jvm_cache.file_system_jar(cache), jvm_cache.empty_conf_dir(cache)
        self.archive = jvm_cache.ClassArchive.for_class_path(cache, spark_env.class_path(file_system, conf_dir))
        run_conf, scratch = self.run_dir / "conf", self.run_dir / "scratch"
        java_options = f"-Dlog4j2.configurationFile={run_conf / 'log4j2.properties'}"
        if self.archive is not None:
            java_options += " " + self.archive.java_options(archive_part)
        settings = spark_env.spark_defaults(file_system, workspace.root, scratch, java_options)
        settings.update(spark_conf_argument(arguments.get("--conf", "")))
        properties = spark_env.write_conf(run_conf, settings)
        extra_env = {"GLUE_LOCAL_ERROR_FILE": str(self.run_dir / "error.txt")}
        py_files = self._extra_py_files(arguments.get("--extra-py-files", ""))
        if isinstance(py_files, str):
            return py_files
        if py_files:
            extra_env["PYTHONPATH"] = os.pathsep.join([str(spark_env.RUNTIME), *map(str, py_files)])
        credentials = role_environment(self.job.role, "GlueJobRunnerSession", self.region)
        return spark_env.job_environment(
            properties, conf_dir, scratch, self.ctx.endpoint_url, self.region, credentials, extra_env
        )

    def _fetch_script(self) -> Path | str:
        """The script as a local file, or the reason it cannot be had."""
        location = (self.job.command or {}).get("ScriptLocation", "")
        return self._download(location, self.run_dir / "script", "Script")

    def _extra_py_files(self, value: str) -> list[Path] | str:
        """``--extra-py-files`` (comma-separated .py/.zip S3 URIs) as PYTHONPATH entries, or why not."""
        entries: list[Path] = []
        folder = self.run_dir / "extra-py"
        for location in filter(None, (part.strip() for part in value.split(","))):
            path = self._download(location, folder, "Extra Python file")
            if isinstance(path, str):
                return path
            if path.suffix == ".zip" and path not in entries:
                entries.append(path)
            elif folder not in entries:
                entries.append(folder)
        return entries

    def _download(self, location: str, folder: Path, what: str) -> Path | str:
        try:
            bucket, key = split_uri(location)
        except ValueError:
            return f"{what} location must be an s3:// URI, got {location!r}"
        found = (
            [o for o in self.ctx.s3.list(bucket, key) if o.key == key] if bucket in self.ctx.s3.backend.buckets else []
        )
        if not found:
            return f"{what} not found at {location}"
        source = self.ctx.s3.materialize([S3Object(bucket, key, found[0].size, found[0].etag)])[0]
        target = folder / Path(key).name
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        return target

    def _wait(self, process: subprocess.Popen[str]) -> str:
        deadline = time.monotonic() + 60 * (self.run.timeout or DEFAULT_TIMEOUT_MINUTES)
        while process.poll() is None:
            if self.run.stop_requested.wait(0.2):
                _terminate(process)
                return "STOPPED"
            if time.monotonic() > deadline:
                _terminate(process)
                return "TIMEOUT"
        return "EXITED"


def _terminate(process: subprocess.Popen[str]) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass
