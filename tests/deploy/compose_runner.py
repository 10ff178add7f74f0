"""Run docker-compose.yaml's services without Docker, each seeing only what its container would.

For every image, a folder stands for the container's file system: the files its Dockerfile
COPYs, then each service's bind mounts, copied (not linked) so that nothing else of the
repository is visible. Each service's command (or the image's CMD) runs with the compose file's
environment plus the image's own, in the image's WORKDIR, with container paths mapped into
that folder and the service names resolved to free local ports (as Docker's network and port
publishing would). Dependencies start in order, with their conditions: healthchecks are the
compose file's own commands, run the same way.

The ``postgres`` service is the project's own PostgreSQL server (``local.postgres``, as ``make
run``'s), on a free port. What only a machine with Docker proves: the images build (apt and pip
inside them), the ``postgres:16`` image, Python 3.12 of the images (this runs on the project's
virtualenv), and Docker's own networking.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from botocore.client import BaseClient

from local.aws.credentials import local_client
from local.postgres import LocalPostgres
from local.stack import free_port, stop_in_reverse

REPO = Path(__file__).resolve().parents[2]
# What the official apache/airflow image sets and does (its entrypoint runs `airflow <command>`
# unless the command is bash or python).
AIRFLOW_IMAGE = {"env": {"AIRFLOW_HOME": "/opt/airflow"}, "workdir": "/opt/airflow", "cmd": []}
PUBLISHED = {"local-aws": 4566, "vehicle-api": 8400, "api-server": 8080}
POSTGRES = "postgres"  # the project's own server stands in for its image
INTERPOLATION = re.compile(r"\$\{(\w+)(?::-([^}]*))?\}")  # compose's variable substitution


@dataclass
class Image:
    name: str
    root: Path
    env: dict[str, str] = field(default_factory=dict)
    workdir: str = "/"
    cmd: list[str] = field(default_factory=list)
    airflow: bool = False

    def host(self, container_path: str) -> Path:
        return self.root / container_path.lstrip("/")


def dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", path.read_text())
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def interpolated(value: str) -> str:
    """Compose's substitution from the shell's environment: ``${VAR}``, and ``${VAR:-default}``
    (the default when VAR is unset or empty)."""
    return INTERPOLATION.sub(lambda m: os.environ.get(m[1]) or (m[2] or ""), value)


def _copy(source: Path, target: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".local")
    if source.is_dir():
        shutil.copytree(source, target, dirs_exist_ok=True, ignore=ignore)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)


def build_image(name: str, dockerfile: Path, root: Path) -> Image:
    """The image's files (COPY), environment (ENV), WORKDIR and CMD, from its Dockerfile."""
    image = Image(name, root)
    for keyword, rest in dockerfile_instructions(dockerfile):
        if keyword == "FROM" and rest.startswith("apache/airflow:"):
            image.env.update(AIRFLOW_IMAGE["env"])
            image.workdir, image.airflow = AIRFLOW_IMAGE["workdir"], True
        elif keyword == "COPY":
            *sources, dest = shlex.split(rest)
            for source in sources:
                target = image.host(dest) / Path(source).name if dest.endswith("/") else image.host(dest)
                _copy(REPO / source, target)
        elif keyword == "ENV":
            key, _, value = rest.partition("=")
            image.env[key] = value
        elif keyword == "WORKDIR":
            image.workdir = rest
        elif keyword == "CMD":
            image.cmd = yaml.safe_load(rest)
    image.host(image.workdir).mkdir(parents=True, exist_ok=True)
    return image


class ComposeRun:
    """The compose file's services as local processes; ``airflow()`` and ``client()`` as for DevStack."""

    def __init__(self, root: Path, compose_file: Path = REPO / "docker-compose.yaml") -> None:
        self.root = root
        self.compose = yaml.safe_load(compose_file.read_text())
        self.ports = {service: free_port() for service in PUBLISHED}
        self.postgres = LocalPostgres(root / "postgres", free_port())
        self.images: dict[str, Image] = {}
        self.procs: dict[str, subprocess.Popen] = {}
        self._log_files: list = []
        self.logs = root / "logs"
        self.aws_endpoint = f"http://127.0.0.1:{self.ports['local-aws']}"
        self.ui_url = f"http://127.0.0.1:{self.ports['api-server']}"

    # mapping container names, ports and paths to this machine
    def _map(self, value: str, image: Image, service: str) -> str:
        for name, port in PUBLISHED.items():
            value = value.replace(f"{name}:{port}", f"127.0.0.1:{self.ports[name]}")
        if service in PUBLISHED:  # the service's own port, as its healthcheck names it
            own, mapped = PUBLISHED[service], self.ports[service]
            value = re.sub(rf"((?:127\.0\.0\.1|localhost)['\"]?(?::|, ?)){own}\b", rf"\g<1>{mapped}", value)
        value = value.replace(f"@{POSTGRES}:5432/", f"@127.0.0.1:{self.postgres.port}/")
        value = value.replace("0.0.0.0", "127.0.0.1")
        return re.sub(r"(?<![\w./])/(opt|data|tmp/pipelines)(?=/|$)", lambda m: str(image.host(m.group(0))), value)

    def _image(self, service: dict) -> Image:
        build = service["build"]
        name = service["image"]
        if name not in self.images:
            dockerfile = REPO / build["context"] / build["dockerfile"]
            self.images[name] = build_image(name, dockerfile, self.root / "images" / name.replace(":", "_"))
        return self.images[name]

    def _lay_out(self, name: str) -> None:
        """The service's bind mounts, copied into its image's folder."""
        service = self.compose["services"][name]
        image = self._image(service)
        for volume in service.get("volumes", []):
            source, target = volume.split(":")[:2]
            if source.startswith("."):
                _copy(REPO / source, image.host(target))

    def _prepare(self, name: str) -> tuple[list[str], dict[str, str], Path]:
        service = self.compose["services"][name]
        image = self._image(service)
        env = {
            "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "HOME": str(image.host("/root")),
            "LANG": "C.UTF-8",
        }
        if "JAVA_HOME" in os.environ:
            env["JAVA_HOME"] = os.environ["JAVA_HOME"]
        for key, value in {**image.env, **(service.get("environment") or {})}.items():
            env[key] = self._map(interpolated(str(value)), image, name)
        if name == "api-server":
            env["AIRFLOW__API__PORT"] = str(self.ports[name])
        command = [self._map(str(arg), image, name) for arg in (service.get("command") or image.cmd)]
        if name in PUBLISHED and "--port" in command:
            command[command.index("--port") + 1] = str(self.ports[name])
        if image.airflow and command[0] not in ("bash", "python"):
            command = ["airflow", *command]
        if command[0] == "python":
            command[0] = sys.executable
        return command, env, image.host(image.workdir)

    def _healthy(self, name: str) -> bool:
        check = self.compose["services"][name].get("healthcheck", {}).get("test")
        if not check:
            return True
        image = self._image(self.compose["services"][name])
        argv = [self._map(str(arg), image, name) for arg in check[1:]]
        if argv[0] == "python":
            argv[0] = sys.executable
        return subprocess.run(argv, capture_output=True, timeout=10).returncode == 0

    def _wait(self, name: str, condition: str, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while True:
            proc = self.procs[name]
            if condition == "service_completed_successfully":
                if proc.poll() is not None:
                    if proc.returncode != 0:
                        raise RuntimeError(f"{name} exited {proc.returncode}: {self.log_tail(name)}")
                    return
            elif condition == "service_healthy":
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited {proc.returncode}: {self.log_tail(name)}")
                if self._healthy(name):
                    return
            else:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{name} not {condition} after {timeout} s: {self.log_tail(name)}")
            time.sleep(0.5)

    def log_tail(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def start(self, names: list[str] | None = None) -> ComposeRun:
        self.logs.mkdir(parents=True, exist_ok=True)
        for name in names or list(self.compose["services"]):
            self._start(name)
        return self

    def _start(self, name: str) -> None:
        if name in self.procs:
            return
        if name == POSTGRES:
            self.postgres.start()  # once, for every service that needs it; returns when healthy
            return
        depends = self.compose["services"][name].get("depends_on", {})
        for dependency, rule in depends.items():
            self._start(dependency)
            if dependency != POSTGRES:
                self._wait(dependency, rule["condition"])
        self._lay_out(name)
        command, env, cwd = self._prepare(name)
        log = open(self.logs / f"{name}.log", "ab")
        self._log_files.append(log)
        self.procs[name] = subprocess.Popen(
            command, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def wait_healthy(self, name: str, timeout: float = 180) -> None:
        self._wait(name, "service_healthy", timeout)

    def airflow(self, *args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """``docker compose exec scheduler airflow ...``"""
        command, env, cwd = self._prepare("scheduler")
        result = subprocess.run(["airflow", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise RuntimeError(f"airflow {' '.join(args)} exited {result.returncode}:\n{result.stderr[-3000:]}")
        return result

    def client(self, service: str) -> BaseClient:
        return local_client(service, self.aws_endpoint, "us-east-1")

    def stop(self, grace: float = 20) -> None:
        stop_in_reverse(self.procs, grace)
        self.postgres.remove()
        for log in self._log_files:
            log.close()
