"""The whole local stack: local AWS + Airflow api-server, scheduler, dag-processor, triggerer and
a Celery worker, on the stack's own PostgreSQL, as MWAA runs them.

``python -m local.stack`` (``make run``) starts it on the embedded defaults (no Docker) and stops
it cleanly on Ctrl-C. Tests and the demo use
``DevStack`` directly, on free ports and a temporary home.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Generator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

import psutil
from botocore.client import BaseClient

from local import mwaa_workers
from local.airflow_env import DEFAULT_HOME, LOCAL_USER, REPO, airflow_env, record_ports
from local.aws.credentials import local_client
from local.postgres import LocalPostgres
from local.provision import provision
from pipelines.settings import load

SERVICES = ("api-server", "scheduler", "dag-processor", "triggerer", "celery-worker")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check: callable, what: str, timeout: float, procs: dict[str, subprocess.Popen] | None = None) -> None:  # type: ignore[valid-type]
    deadline = time.monotonic() + timeout
    while not check():
        for name, proc in (procs or {}).items():
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode} while waiting for {what}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not ready after {timeout:.0f} s")
        time.sleep(0.25)


def port_open(url: str) -> bool:
    host, port = url.rsplit("/", 1)[-1].split(":")
    with socket.socket() as sock:
        return sock.connect_ex((host, int(port))) == 0


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def session_members(leader: int) -> list[psutil.Process]:
    """Every process still in the session ``leader`` started (its children, and theirs, orphaned
    or not: a service's workers outlive a killed service in it), and their descendants."""
    found: dict[int, psutil.Process] = {}
    for proc in psutil.process_iter():
        try:
            if os.getsid(proc.pid) == leader:
                found[proc.pid] = proc
                found.update({child.pid: child for child in proc.children(recursive=True)})
        except (OSError, psutil.Error):
            continue
    return list(found.values())


def stop_in_reverse(procs: dict[str, subprocess.Popen], grace: float) -> None:
    """SIGTERM every process of each service's session, last started first, dead leader or not;
    SIGKILL what is still there after ``grace`` (a task process may ignore SIGTERM)."""
    members = {name: session_members(proc.pid) for name, proc in procs.items()}
    for name in reversed(list(procs)):
        for member in members[name]:
            with contextlib.suppress(psutil.Error):
                member.terminate()
    deadline = time.monotonic() + grace
    for name, proc in procs.items():
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        _, alive = psutil.wait_procs(members[name], timeout=max(0.1, deadline - time.monotonic()))
        for member in alive:
            with contextlib.suppress(psutil.Error):
                member.kill()
        psutil.wait_procs(alive, timeout=5)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    procs.clear()


class DevStack:
    """The development stack (not the LocalStack product): the local AWS, the sample vehicle API
    and the four Airflow services, started and stopped as child processes."""

    def __init__(
        self,
        home: Path = DEFAULT_HOME,
        aws_port: int = 4566,
        api_port: int = 8080,
        vehicle_api_port: int = 8400,
        vehicle_api_args: tuple[str, ...] = (),
        settings_env: dict[str, str] | None = None,
        traffic_days: int = 0,
        ingest_port: int | None = None,
        keep_state: bool = True,
        postgres_port: int | None = None,
    ) -> None:
        """``settings_env``: PIPELINES_* variables for this stack only (e.g. another region);
        ``traffic_days``: days of generated traffic the provisioning writes (``make run``: 2);
        ``ingest_port``: the Uber Movement ingest endpoint's (default: a free one);
        ``keep_state``: whether the local AWS keeps its state across restarts (``make run``: yes;
        without, the stack's database files are removed when it stops);
        ``postgres_port``: its PostgreSQL's (default: a free one)."""
        self.traffic_days = traffic_days
        self.keep_state = keep_state
        self._state_argv = [] if keep_state else ["--no-state"]
        self.home = home
        environ = {**os.environ, **(settings_env or {})}
        self.settings = load(environ)
        self.aws_port = aws_port
        self.api_port = api_port
        self.aws_endpoint = f"http://127.0.0.1:{aws_port}"
        self.vehicle_api_url = f"http://127.0.0.1:{vehicle_api_port}"
        self._vehicle_api_argv = ["--port", str(vehicle_api_port), *vehicle_api_args]
        self.ui_url = f"http://127.0.0.1:{api_port}"
        self.ingest_url = f"http://127.0.0.1:{ingest_port or free_port()}"
        self.postgres = LocalPostgres(home / "postgres", postgres_port or free_port())
        stack_env = airflow_env(home, self.aws_endpoint, api_port, self.postgres.url, self.settings)
        self.env = {**environ, **stack_env, **(settings_env or {})}  # this stack's settings win
        self.logs = home / "logs"
        self.procs: dict[str, subprocess.Popen] = {}
        self._argv: dict[str, list[str]] = {}
        self.restarts: dict[str, int] = {}

    def _spawn(self, name: str, argv: list[str]) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        log = open(self.logs / f"{name}.log", "ab")
        # New session: Ctrl-C in the terminal reaches only this supervisor, which stops the
        # children in order instead of all of them dying at once; and every process a service
        # starts stays in its session, where the stop finds it even when the service died.
        self._argv[name] = argv
        self.procs[name] = subprocess.Popen(
            argv, env=self.env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def _wait_for_aws(self, procs: dict[str, subprocess.Popen]) -> None:
        wait_for(lambda: http_ok(f"{self.aws_endpoint}/moto-api/"), "local AWS", 30, procs)

    def _provision(self) -> None:
        provision(
            self.aws_endpoint, self.settings, vehicle_api_url=self.vehicle_api_url, traffic_days=self.traffic_days
        )

    def restart_exited(self) -> list[str]:
        """Start again every service that exited (as MWAA replaces a failed component), after
        stopping what it left in its session (a dead scheduler's workers); the others keep
        running. Returns a line per restart for the log."""
        done = []
        for name, proc in list(self.procs.items()):
            if proc.poll() is None:
                continue
            self.restart(name, grace=5)
            self.restarts[name] = self.restarts.get(name, 0) + 1
            done.append(f"{name} exited with {proc.returncode}; restarted (see {self.logs / (name + '.log')})")
        return done

    @contextmanager
    def supervised(self, every: float = 1.0) -> Generator[list[str]]:
        """While the block runs, start again every service that exits, as ``make run`` does;
        yields the restart lines, filled as they happen."""
        lines: list[str] = []
        stop = threading.Event()

        def watch() -> None:
            while not stop.wait(every):
                lines.extend(self.restart_exited())

        watcher = threading.Thread(target=watch, name="stack-supervisor", daemon=True)
        watcher.start()
        try:
            yield lines
        finally:
            stop.set()
            watcher.join()

    def restart(self, name: str, grace: float = 20, **environ: str) -> None:
        """Stop one service (and what it started) and start it again, with ``environ`` added to
        its environment (e.g. a setting changed); the others keep running."""
        stop_in_reverse({name: self.procs[name]}, grace=grace)
        self.env = {**self.env, **environ}
        self._spawn(name, self._argv[name])
        if name == "local-aws":  # back from its last snapshot: provisioning again restores what that missed
            self._wait_for_aws({name: self.procs[name]})
            self._provision()

    def client(self, service: str) -> BaseClient:
        """A boto3 client of this stack's local AWS."""
        return local_client(service, self.aws_endpoint, self.settings.region)

    def airflow(self, *args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Run an ``airflow`` CLI command against this stack; with ``check``, a failure raises with its output."""
        result = subprocess.run(
            [sys.executable, "-m", "airflow", *args],
            env=self.env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            raise RuntimeError(f"airflow {' '.join(args)} exited {result.returncode}:\n{result.stderr[-3000:]}")
        return result

    def start(self, timeout: float = 180) -> DevStack:
        try:
            self.postgres.start()
            self._spawn(
                "local-aws",
                [
                    sys.executable,
                    "-m",
                    "local.aws",
                    "--port",
                    str(self.aws_port),
                    "--data-dir",
                    str(self.home / "aws"),
                    *self._state_argv,
                ],  # fmt: skip
            )
            self._spawn("vehicle-api", [sys.executable, "-m", "local.sources.vehicle_api", *self._vehicle_api_argv])
            self._wait_for_aws(self.procs)
            wait_for(lambda: port_open(self.vehicle_api_url), "sample vehicle API", 30, self.procs)
            self._provision()
            self._spawn(
                "uber-movement-ingest",
                [
                    sys.executable, "-m", "local.sources.uber_movement.ingest",
                    "--stream", self.settings.uber_movement_stream, "--endpoint-url", self.aws_endpoint,
                    "--region", self.settings.region, "--port", self.ingest_url.rsplit(":", 1)[1],
                ],
            )  # fmt: skip
            wait_for(lambda: port_open(self.ingest_url), "Uber Movement ingest endpoint", 30, self.procs)
            self.airflow("db", "migrate")
            self.airflow(
                "pools",
                "set",
                self.settings.vehicle_api_pool,
                str(self.settings.vehicle_api_pool_slots),
                "Concurrent requests against the vehicle API",
            )
            for service in SERVICES:
                # Task logs are files under the stack's home, which the api-server reads: no log
                # server (it would listen on every interface, on ports of its own).
                command = service.split("-") if service == "celery-worker" else [service]
                skip = ["--skip-serve-logs"] if service in ("scheduler", "triggerer", "celery-worker") else []
                self._spawn(service, [sys.executable, "-m", "airflow", *command, *skip])
            wait_for(lambda: http_ok(f"{self.ui_url}/api/v2/monitor/health"), "Airflow api-server", timeout, self.procs)
            # What `make env` points the CLI at: this stack's ports, whatever the shell exports.
            record_ports(
                self.home, {"aws_port": self.aws_port, "api_port": self.api_port, "postgres_port": self.postgres.port}
            )
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self, grace: float = 20) -> None:
        stop_in_reverse(self.procs, grace)  # Airflow services first, the AWS they talk to last
        # then their database, and its files with it when the stack keeps no state (as root they are
        # outside the stack's home, which a test removes: local.postgres)
        self.postgres.stop() if self.keep_state else self.postgres.remove()

    def __enter__(self) -> DevStack:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m local.stack", description=__doc__)
    parser.add_argument("--home", type=Path, default=DEFAULT_HOME)
    parser.add_argument("--aws-port", type=int, default=int(os.environ.get("LOCAL_AWS_PORT", 4566)))
    parser.add_argument("--api-port", type=int, default=int(os.environ.get("AIRFLOW_PORT", 8080)))
    parser.add_argument("--vehicle-api-port", type=int, default=int(os.environ.get("VEHICLE_API_PORT", 8400)))
    parser.add_argument("--ingest-port", type=int, default=int(os.environ.get("INGEST_PORT", 8500)))
    parser.add_argument("--postgres-port", type=int, default=int(os.environ.get("POSTGRES_PORT", 5433)))
    args = parser.parse_args(argv)

    stack = DevStack(
        args.home,
        args.aws_port,
        args.api_port,
        args.vehicle_api_port,
        traffic_days=2,
        ingest_port=args.ingest_port,
        postgres_port=args.postgres_port,
    )
    print(f"starting local AWS on {stack.aws_endpoint} and Airflow on {stack.ui_url} (logs in {stack.logs}) ...")
    stack.start()
    user, password = LOCAL_USER
    print(
        f"\nAirflow UI:  {stack.ui_url}   (log in as {user} / {password})\n"
        f"Local AWS:   {stack.aws_endpoint}\n"
        f"Vehicle API: {stack.vehicle_api_url} (sample upstream)\n"
        f"Workers:     {mwaa_workers.describe(stack.settings)}\n"
        f"Ingest:      POST {stack.ingest_url}/rows (Uber Movement rows -> {stack.settings.uber_movement_stream})\n"
        f'CLI:         eval "$(make -s env)" then e.g. airflow dags trigger healthcheck\n'
        "Press Ctrl-C to stop.",
        flush=True,
    )
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    try:
        with stack.supervised() as restarts:
            printed = 0
            while not stopping:
                for line in restarts[printed:]:
                    print(line, flush=True)
                printed = len(restarts)
                time.sleep(1)
    except KeyboardInterrupt:
        pass
    print("\nstopping ...", flush=True)
    stack.stop()
    print("stopped.")


if __name__ == "__main__":
    main()


def wait_for_dag(stack: Any, dag_id: str, timeout: float = 120) -> None:
    """Block until the dag-processor of ``stack`` (anything with an ``airflow(*args, check=)`` CLI)
    has parsed ``dag_id`` into the metadata DB."""
    deadline = time.monotonic() + timeout
    while stack.airflow("dags", "details", dag_id, check=False).returncode != 0:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{dag_id} was not parsed within {timeout} s")
        time.sleep(2)
