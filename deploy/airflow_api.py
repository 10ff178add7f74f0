"""Airflow's REST API (``/api/v2``) as a deployment reaches it: on MWAA through the AWS API
(``InvokeRestApi``: the environment's web server is private), locally through the api-server of
``make run`` with the local user's token. Both answer the same calls the same way, so the
deployment tools (``make deploy``'s pool, ``make smoke``) are written once."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Generator
from contextlib import contextmanager
from typing import Any, Protocol


class AirflowApiError(RuntimeError):
    def __init__(self, status: int, answer: Any, what: str) -> None:
        super().__init__(f"{what}: HTTP {status}: {answer}")
        self.status, self.answer = status, answer


class AirflowApi(Protocol):
    def call(self, method: str, path: str, body: Any = None, query: dict[str, str] | None = None) -> Any:
        """``path`` below ``/api/v2`` (``/dags/x/dagRuns``); the answer's JSON, or AirflowApiError."""


def retrying(send: Any, attempts: int = 4, pause: float = 2.0) -> Any:
    """``send()``, tried again on a server error (5xx: a busy metadata database, a web server
    being replaced); a client error (4xx) is the answer."""
    for attempt in range(1, attempts + 1):
        try:
            return send()
        except AirflowApiError as err:
            if err.status < 500 or attempt == attempts:
                raise
            time.sleep(pause * attempt)
    raise AssertionError("unreachable")


class MwaaApi:
    """An MWAA environment's REST API through InvokeRestApi (needs ``airflow:InvokeRestApi``)."""

    def __init__(self, mwaa: Any, environment: str) -> None:
        self.mwaa, self.environment = mwaa, environment

    def call(self, method: str, path: str, body: Any = None, query: dict[str, str] | None = None) -> Any:
        arguments: dict[str, Any] = {"Name": self.environment, "Path": path, "Method": method}
        if body is not None:
            arguments["Body"] = body
        if query:
            arguments["QueryParameters"] = query

        def send() -> Any:
            try:
                return self.mwaa.invoke_rest_api(**arguments)["RestApiResponse"]
            except (self.mwaa.exceptions.RestApiClientException, self.mwaa.exceptions.RestApiServerException) as err:
                status = err.response.get("RestApiStatusCode", 0)
                raise AirflowApiError(status, err.response.get("RestApiResponse"), f"{method} {path}") from err

        return retrying(send)


class RestApi:
    """A local api-server (``make run``'s, a test's stack) as its user: a bearer token from ``/auth/token``."""

    def __init__(self, base_url: str, username: str, password: str) -> None:
        self.base_url, self._login = base_url.rstrip("/"), {"username": username, "password": password}
        self._token: str | None = None

    def _send(self, method: str, url: str, body: Any, headers: dict[str, str]) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            url, data=data, method=method, headers={"Content-Type": "application/json", **headers}
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                text = response.read()
        except urllib.error.HTTPError as err:
            raise AirflowApiError(err.code, err.read().decode(errors="replace"), f"{method} {url}") from err
        return json.loads(text) if text else None

    def call(self, method: str, path: str, body: Any = None, query: dict[str, str] | None = None) -> Any:
        if self._token is None:
            self._token = self._send("POST", f"{self.base_url}/auth/token", self._login, {})["access_token"]
        url = f"{self.base_url}/api/v2{path}" + (f"?{urllib.parse.urlencode(query)}" if query else "")
        return retrying(lambda: self._send(method, url, body, {"Authorization": f"Bearer {self._token}"}))


def run_path(dag_id: str, run_id: str) -> str:
    """A run's path (run ids hold ``+`` and ``:``)."""
    return f"/dags/{dag_id}/dagRuns/{urllib.parse.quote(run_id, safe='')}"


def set_paused(api: AirflowApi, dag_id: str, paused: bool) -> None:
    api.call("PATCH", f"/dags/{dag_id}", {"is_paused": paused}, {"update_mask": "is_paused"})


@contextmanager
def unpaused(api: AirflowApi, dag_id: str) -> Generator[None]:
    """The DAG unpaused while the block runs (its runs are scheduled), then paused again if it was."""
    was_paused = api.call("GET", f"/dags/{dag_id}")["is_paused"]
    if was_paused:
        set_paused(api, dag_id, False)
    try:
        yield
    finally:
        if was_paused:
            set_paused(api, dag_id, True)


def trigger(api: AirflowApi, dag_id: str, run_id: str, conf: dict[str, Any], logical_date: str | None = None) -> dict:
    """A manual run with ``conf`` (the DAG's params), as the UI's trigger form creates it."""
    body = {"dag_run_id": run_id, "logical_date": logical_date, "conf": conf}
    try:
        return api.call("POST", f"/dags/{dag_id}/dagRuns", body)
    except AirflowApiError as err:
        if err.status != 409:  # 409: created by an attempt whose answer was a server error
            raise
    return api.call("GET", run_path(dag_id, run_id))


def wait_for_run(api: AirflowApi, dag_id: str, run_id: str, timeout: float, poll: float = 5) -> dict:
    """The run once it ended (success or failed); TimeoutError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        run = api.call("GET", run_path(dag_id, run_id))
        if run["state"] in ("success", "failed"):
            return run
        if time.monotonic() > deadline:
            raise TimeoutError(f"{dag_id} {run_id} still {run['state']} after {timeout:.0f} s")
        time.sleep(poll)
