"""The server answers only once it is whole: a client that finds the port open early waits.

Run in a process of its own: a server started in the tests' process would install and then
remove the service adapters under the session's local AWS."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
# Restoring takes a second and a half (reattach made slow); a client asks as soon as the port is open.
SCRIPT = """
import json, threading, time
import local.aws.server as server
from local.aws.credentials import local_client
from local.stack import free_port

reattached = []
def slow_reattach():
    time.sleep(1.5)
    reattached.append(time.monotonic())
server.reattach = slow_reattach

port = free_port()
aws = server.LocalAWS(port=port, data_dir={data_dir!r})
starting = threading.Thread(target=aws.start)
starting.start()
sts = local_client("sts", f"http://127.0.0.1:{{port}}", "eu-west-1")
while True:
    try:
        account = sts.get_caller_identity()["Account"]
        break
    except Exception:
        time.sleep(0.01)
answered = time.monotonic()
starting.join()
aws.stop()
print(json.dumps({{"account": account, "answered_after_reattach": answered >= reattached[0]}}))
"""


def test_a_request_that_comes_before_the_restored_runs_are_reattached_waits_for_them(tmp_path):
    script = SCRIPT.format(data_dir=str(tmp_path / "aws"))
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120, check=True
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {
        "account": "123456789012",
        "answered_after_reattach": True,
    }
