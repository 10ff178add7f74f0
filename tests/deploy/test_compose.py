"""docker-compose.yaml cannot run here (no Docker engine): validate it against the Compose
specification's JSON schema and check that everything it references exists."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from local.airflow_env import mwaa_role_arn
from local.aws.credentials import ENVIRONMENT
from local.mwaa_workers import celery_env
from pipelines.settings import load

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO / ".venv" / "share" / "compose_spec.json"
AIRFLOW_SERVICES = {"airflow-init", "api-server", "scheduler", "dag-processor", "triggerer", "celery-worker"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yaml").read_text())


def test_file_is_valid_against_the_compose_specification(compose):
    assert SCHEMA.exists(), "run `make install`: it fetches the Compose schema"
    schema = json.loads(SCHEMA.read_text())
    jsonschema.validate(compose, schema)


def test_schema_check_rejects_a_broken_file(compose):
    schema = json.loads(SCHEMA.read_text())
    broken = {**compose, "services": {**compose["services"], "scheduler": {"image": 3, "restart": ["x"]}}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_every_service_the_design_names_is_there(compose):
    assert set(compose["services"]) >= AIRFLOW_SERVICES | {
        "postgres",
        "local-aws",
        "local-aws-provision",
        "vehicle-api",
    }


def test_published_ports_listen_on_loopback_only(compose):
    published = {name: s["ports"] for name, s in compose["services"].items() if "ports" in s}
    assert published == {"local-aws": ["127.0.0.1:4566:4566"], "api-server": ["127.0.0.1:8080:8080"]}


def test_every_bind_mount_and_build_file_exists(compose):
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("."):
                assert (REPO / source).exists(), f"{name}: {source}"
        if "build" in service:
            assert (REPO / service["build"]["context"] / service["build"]["dockerfile"]).exists(), name


def test_dependencies_name_existing_services(compose):
    for name, service in compose["services"].items():
        assert set(service.get("depends_on", {})) <= set(compose["services"]), name


def test_airflow_services_mount_dags_like_mwaa_and_use_the_local_aws(compose):
    for name in AIRFLOW_SERVICES:
        service = compose["services"][name]
        targets = {v.split(":")[1] for v in service["volumes"]}
        assert {"/opt/airflow/dags", "/opt/airflow/dags/include", "/opt/airflow/plugins"} <= targets, name
        connection = json.loads(service["environment"]["AIRFLOW_CONN_AWS_DEFAULT"])
        assert connection["extra"]["endpoint_url"] == "http://local-aws:4566"
        assert connection["extra"]["role_arn"] == mwaa_role_arn(load({}))  # signs as the MWAA role
        assert service["image"] == "pipelines-airflow:3.3.1"


def test_airflow_services_run_mwaas_runtime_as_make_run_does(compose):
    """PostgreSQL and Celery over the local SQS, with the settings make run gives its services."""
    settings = load({})
    for name in AIRFLOW_SERVICES:
        env = compose["services"][name]["environment"]
        database = env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
        assert database.startswith("postgresql+psycopg2://") and "@postgres:5432/" in database
        expected = celery_env("http://local-aws:4566", database, settings, mwaa_role_arn(settings))
        assert {k: env.get(k) for k in expected} == expected, name
        assert {k: env.get(k) for k in ENVIRONMENT} == ENVIRONMENT, name  # the key kombu assumes the role with
    assert compose["services"]["celery-worker"]["command"] == ["celery", "worker"]


def test_airflow_image_is_the_official_3_3_1_on_python_3_12():
    dockerfile = (REPO / "docker" / "airflow.Dockerfile").read_text()
    assert re.search(r"^FROM apache/airflow:3\.3\.1-python3\.12$", dockerfile, re.M)
