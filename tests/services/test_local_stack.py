"""`make run`'s stack for real: the UI in a browser and a DAG triggered from the CLI."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import psutil
import pytest

from local.stack import session_members, wait_for_dag
from pipelines.settings import SETTINGS
from tests.services.browser import Browser
from tests.support.services import wait_for_success

pytestmark = pytest.mark.services
ARTIFACTS = Path(__file__).resolve().parents[2] / ".local" / "test-artifacts"


def test_ui_lists_the_dags_after_login(stack, api_token):
    wait_for_dag(stack, "healthcheck")
    browser = Browser()
    try:
        browser.set_cookie(stack.ui_url, "_token", api_token)
        browser.open(f"{stack.ui_url}/dags")
        text = browser.wait_for_text("healthcheck")
        # Kept for people to look at: .local/test-artifacts/ui-dags.png
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = browser.screenshot(ARTIFACTS / "ui-dags.png")
    finally:
        browser.close()

    assert "healthcheck" in text, text[:500]
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (1280, 800)


def test_login_page_is_served_to_anonymous_users(stack):
    browser = Browser()
    try:
        browser.open(f"{stack.ui_url}/")
        text = browser.wait_for_text("Sign in")
    finally:
        browser.close()
    assert "Username" in text and "Password" in text


def test_healthcheck_triggered_from_the_cli_succeeds(stack):
    wait_for_dag(stack, "healthcheck")
    stack.airflow("dags", "unpause", "healthcheck")
    run_id = "cli_trigger_2026-04-01"
    stack.airflow("dags", "trigger", "healthcheck", "--logical-date", "2026-04-01T00:00:00+00:00", "--run-id", run_id)

    wait_for_success(stack, "healthcheck", run_id)

    s3 = stack.client("s3")
    body = json.loads(s3.get_object(Bucket=SETTINGS.artifacts_bucket, Key="healthcheck/2026-04-01.json")["Body"].read())
    assert body == {"dag_id": "healthcheck", "day": "2026-04-01", "run_id": run_id}


def test_every_port_the_stack_opens_listens_on_loopback_only(stack):
    listening = {
        (name, conn.laddr.ip, conn.laddr.port)
        for name, proc in stack.procs.items()
        for member in session_members(proc.pid)
        for conn in member.net_connections(kind="inet")
        if conn.status == psutil.CONN_LISTEN
    }
    assert {name for name, _, _ in listening} >= {"local-aws", "vehicle-api", "uber-movement-ingest", "api-server"}
    assert {ip for _, ip, _ in listening} == {"127.0.0.1"}, sorted(listening)
    ports = {port for _, _, port in listening}
    assert {stack.aws_port, stack.api_port} <= ports and not ports & {8793, 8794}  # no log servers
