"""The environment that points Airflow (services and CLI) at the local stack.

One function builds it for ``make run``, ``make env``, the demo and the service tests, so the
CLI a user runs always sees the same metadata DB, DAGs and connections as the services.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from pathlib import Path

from deploy.template import Resolver
from local.aws.credentials import ACCESS_KEY_ID, ENVIRONMENT, SECRET_ACCESS_KEY
from local.mwaa_workers import celery_env
from local.postgres import LocalPostgres
from pipelines.settings import SETTINGS, Settings

REPO = Path(__file__).resolve().parents[1]
DEFAULT_HOME = REPO / ".local"
LOCAL_USER = ("admin", "admin")
PORTS_FILE = "ports.json"  # in a stack's home: the ports it was started on


def mwaa_role_arn(settings: Settings) -> str:
    """The template's MWAA execution role in ``settings``' environment and account."""
    return Resolver(settings.env, settings.region, settings.account).arn("MwaaExecutionRole")


def aws_connection(endpoint_url: str, settings: Settings, as_mwaa_role: bool = True) -> str:
    """``aws_default`` for the local AWS: as on MWAA, every call signs as the MWAA execution role
    (a session the provider assumes with the local account's key, refreshed before it expires),
    so the local AWS allows exactly what the template's role allows. ``as_mwaa_role=False``: the
    account's own key (an administrator, as the emulator's own tests act)."""
    extra: dict[str, object] = {"endpoint_url": endpoint_url, "region_name": settings.region}
    if as_mwaa_role:
        extra["role_arn"] = mwaa_role_arn(settings)
        extra["service_config"] = {"sts": {"endpoint_url": endpoint_url}}  # the provider's AssumeRole
    return json.dumps({"conn_type": "aws", "login": ACCESS_KEY_ID, "password": SECRET_ACCESS_KEY, "extra": extra})


def _persistent_secret(path: Path) -> str:
    # The api-server signs task tokens that the scheduler's workers present: all processes
    # must share one secret, and it must survive restarts of the stack.
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32))
    return path.read_text().strip()


def airflow_env(
    home: Path, aws_endpoint: str, api_port: int, database_url: str, settings: Settings = SETTINGS
) -> dict[str, str]:
    """Variables for every Airflow process of the local stack (``home`` holds its state;
    ``database_url``: its metadata database, the stack's PostgreSQL: ``local.postgres``; tasks run
    on Celery workers fed by the local SQS: ``local.mwaa_workers``).

    The AWS connection and the SDK's default region are the settings' region
    (``PIPELINES_AWS_REGION``), so every client of the stack acts where the resources are.
    """
    airflow_home = home / "airflow"
    airflow_home.mkdir(parents=True, exist_ok=True)
    passwords = airflow_home / "passwords.json"
    if not passwords.exists():
        passwords.write_text(json.dumps({LOCAL_USER[0]: LOCAL_USER[1]}))
    return {
        "AIRFLOW_HOME": str(airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": database_url,
        **celery_env(aws_endpoint, database_url, settings, mwaa_role_arn(settings)),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{api_port}",
        "AIRFLOW__API__PORT": str(api_port),
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API_AUTH__JWT_SECRET": _persistent_secret(airflow_home / "jwt_secret"),
        "AIRFLOW__API__SECRET_KEY": _persistent_secret(airflow_home / "api_secret_key"),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{LOCAL_USER[0]}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
        # New DAG files show up within seconds instead of minutes. A changed file is parsed again
        # at once (the default modified_time sort); an unchanged one every 30 s, Airflow's default:
        # parsing every file each 10 s kept the idle dag-processor at 28 % of a core.
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "10",
        "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
        # A task's supervisor notices its process's exit up to this long after the last log line
        # (it waits in select() with nothing left to read). Locally a trigger can resume a task
        # within that time, and Airflow 3.3.1 then takes the late "success" of the exit on defer
        # for an external kill of the resumed try and fails it (apache/airflow#72716): 1 s, not 5.
        "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": "1",
        f"AIRFLOW_CONN_{settings.aws_conn_id.upper()}": aws_connection(aws_endpoint, settings),
        # The local AWS answers in seconds: check a deferred wait every second, not every 10.
        "PIPELINES_POLL_SECONDS": os.environ.get("PIPELINES_POLL_SECONDS", "1"),
        **ENVIRONMENT,
        "AWS_DEFAULT_REGION": settings.region,
        "PYTHONPATH": f"{REPO}:{REPO / 'plugins'}",
    }


def record_ports(home: Path, ports: dict[str, int]) -> None:
    """Note the ports of the stack running in ``home`` (``make run`` does), for ``make env``."""
    (home / PORTS_FILE).write_text(json.dumps(ports))


def recorded_ports(home: Path) -> dict[str, int]:
    path = home / PORTS_FILE
    return json.loads(path.read_text()) if path.exists() else {}


def main(argv: list[str] | None = None) -> None:
    """Print ``export`` lines for a shell: ``eval "$(python -m local.airflow_env)"``. The ports are
    those of the stack last started in ``--home`` (``make run`` on other ports included), else
    ``LOCAL_AWS_PORT`` and ``AIRFLOW_PORT``, else 4566 and 8080; flags win over all three."""
    import argparse
    import shlex

    parser = argparse.ArgumentParser(prog="python -m local.airflow_env", description=main.__doc__)
    parser.add_argument("--home", type=Path, default=DEFAULT_HOME)
    parser.add_argument("--aws-port", type=int)
    parser.add_argument("--api-port", type=int)
    args = parser.parse_args(argv)
    recorded = recorded_ports(args.home)
    aws_port = args.aws_port or recorded.get("aws_port") or int(os.environ.get("LOCAL_AWS_PORT", 4566))
    api_port = args.api_port or recorded.get("api_port") or int(os.environ.get("AIRFLOW_PORT", 8080))
    postgres_port = recorded.get("postgres_port") or int(os.environ.get("POSTGRES_PORT", 5433))
    database_url = LocalPostgres(args.home / "postgres", postgres_port).url
    env = airflow_env(args.home, f"http://127.0.0.1:{aws_port}", api_port, database_url)
    for name, value in env.items():
        print(f"export {name}={shlex.quote(value)}")
    print(f"export LOCAL_AWS_URL=http://127.0.0.1:{aws_port}  # for --endpoint-url in the docs' examples")
    print(f'export PATH={shlex.quote(str(Path(sys.executable).parent))}:"$PATH"')


if __name__ == "__main__":
    main()
