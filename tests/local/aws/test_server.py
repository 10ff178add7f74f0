"""The server answers only once it is whole: a client that finds the port open early waits."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import local.aws.server
from local.aws.credentials import local_client
from local.aws.server import LocalAWS
from local.stack import free_port


def test_a_request_that_comes_before_the_restored_runs_are_reattached_waits_for_them(tmp_path, monkeypatch):
    reattaching, release = threading.Event(), threading.Event()

    def slow_reattach() -> None:
        reattaching.set()
        release.wait(30)

    monkeypatch.setattr(local.aws.server, "reattach", slow_reattach)
    port = free_port()
    aws = LocalAWS(port=port, data_dir=tmp_path / "aws")
    with ThreadPoolExecutor(2) as pool:
        starting = pool.submit(aws.start)
        assert reattaching.wait(60)
        sts = local_client("sts", f"http://127.0.0.1:{port}", "eu-west-1")
        asked = pool.submit(sts.get_caller_identity)
        assert not asked.done() and not _answered_within(asked, 0.5)
        release.set()
        assert asked.result(30)["Account"] == "123456789012"
        starting.result(30)
    aws.stop()


def _answered_within(future, seconds: float) -> bool:
    try:
        future.result(seconds)
    except TimeoutError:
        return False
    return True
