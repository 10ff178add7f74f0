"""What a person does in the UI, in a real browser (Playwright driving Debian's Chromium, no
browser download): the login page for an anonymous visitor, logging in, the DAG list, then
`web_hits_hourly`'s trigger form with its `hour` filled, the run it starts succeeding, and that
hour's aggregates equal to an independent count. Screenshots are kept for people to look at in
.local/test-artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from local.airflow_env import LOCAL_USER
from local.sources import web_hits as source
from local.sources.s3_puts import put_objects
from local.stack import wait_for_dag
from pipelines.settings import SETTINGS
from tests.support.services import wait_for_success
from tests.support.web_hits_reference import expected_counts, lines_of
from tests.support.web_hits_tables import published

pytestmark = [pytest.mark.services, pytest.mark.spark]  # the run's Glue job starts a JVM in the stack
ARTIFACTS = Path(__file__).resolve().parents[2] / ".local" / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"  # `make browser`
HOUR = "2023-11-05T07"  # apart from the other service tests' hours
# A busy 2-core machine (CI) can take longer than Playwright's default 5 s to render a page or to
# answer the form: every action and expectation waits up to this long, which costs nothing when the
# page is quick (seen in CI: the run's page still loading its task instances after 5 s).
UI_WAIT_MS = 120_000


@pytest.fixture
def page() -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.set_default_timeout(UI_WAIT_MS)
            expect.set_options(timeout=UI_WAIT_MS)
            yield page
        finally:
            browser.close()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"ui-{name}.png")


def test_a_person_logs_in_triggers_an_hour_from_the_form_and_sees_its_run_succeed(stack, page):
    files = [f for hour in source.hours(HOUR, HOUR) for f in source.hour_files(hour, 200, 17)]
    put_objects(stack.client("s3"), SETTINGS.raw_bucket, ((f.key, f.body) for f in files))
    wait_for_dag(stack, "web_hits_hourly")

    page.goto(f"{stack.ui_url}/")  # anonymous: the login page
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    shot(page, "login")
    user, password = LOCAL_USER
    page.get_by_label("Username").fill(user)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    # the login's own redirect lands on the home page; navigate from there as a person does
    expect(page.get_by_role("heading", name="Welcome")).to_be_visible()
    page.get_by_role("link", name="Dags").click()
    for dag_id in ("healthcheck", "traffic_batch", "web_hits_hourly", "uber_movement"):
        expect(page.get_by_role("link", name=dag_id, exact=True).first).to_be_visible()
    shot(page, "dags")

    page.goto(f"{stack.ui_url}/dags/web_hits_hourly")
    page.get_by_role("button", name="Trigger Dag").click()
    form = page.get_by_role("dialog")
    expect(form.get_by_text("Hour to process (YYYY-MM-DDTHH, UTC)")).to_be_visible()
    form.locator("#element_hour").fill(HOUR)
    form.get_by_text("Advanced Options").click()
    form.locator("input[name=dagRunId]").fill("ui_form_hour")
    shot(page, "trigger-form")
    form.get_by_role("button", name="Trigger", exact=True).click()
    expect(form).to_be_hidden()  # once the api-server has created the run

    wait_for_success(stack, "web_hits_hourly", "ui_form_hour", timeout=600)
    page.goto(f"{stack.ui_url}/dags/web_hits_hourly/runs/ui_form_hour")
    expect(page.get_by_text("Success").first).to_be_visible()
    shot(page, "run")

    expected = expected_counts(list(lines_of(files)), HOUR)
    assert all(expected.values())
    assert published(stack, HOUR) == expected
