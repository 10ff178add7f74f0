"""Headless Chromium driven over the DevTools protocol: set a cookie, open a page, read it.

Only what the UI test needs. Chromium comes from Debian's package (``make browser``).
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from websockets.sync.client import connect

# Flags for a closed network: no background calls home, no GPU, no sandbox as root.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,800",
    "--remote-debugging-port=0",
]


class Browser:
    def __init__(self) -> None:
        executable = shutil.which("chromium")
        if executable is None:
            raise RuntimeError("chromium is not installed: run `make browser`")
        self._profile = tempfile.TemporaryDirectory(prefix="chromium-", ignore_cleanup_errors=True)
        self._proc = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={self._profile.name}", "about:blank"],
            stderr=subprocess.PIPE,
            text=True,
        )
        browser_ws = self._devtools_url()
        port = re.search(r":(\d+)/", browser_ws).group(1)  # type: ignore[union-attr]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
            targets = json.load(response)
        page = next(t for t in targets if t["type"] == "page")
        self._ws = connect(page["webSocketDebuggerUrl"], max_size=64 * 1024 * 1024)
        self._ids = itertools.count(1)
        self.call("Emulation.setDeviceMetricsOverride", width=1280, height=800, deviceScaleFactor=1, mobile=False)

    def _devtools_url(self) -> str:
        assert self._proc.stderr is not None
        for line in self._proc.stderr:
            if "DevTools listening on" in line:
                return line.split("listening on", 1)[1].strip()
        raise RuntimeError("chromium exited before opening its DevTools port")

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        msg_id = next(self._ids)
        self._ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
        while True:
            reply = json.loads(self._ws.recv())
            if reply.get("id") == msg_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]

    def set_cookie(self, url: str, name: str, value: str) -> None:
        self.call("Network.enable")
        self.call("Network.setCookie", url=url, name=name, value=value, path="/")

    def open(self, url: str) -> None:
        self.call("Page.enable")
        self.call("Page.navigate", url=url)

    def text(self) -> str:
        result = self.call("Runtime.evaluate", expression="document.body ? document.body.innerText : ''")
        return result["result"].get("value", "")

    def wait_for_text(self, needle: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while True:
            text = self.text()
            if needle in text or time.monotonic() > deadline:
                return text
            time.sleep(0.5)

    def screenshot(self, path: Path) -> Path:
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        self._ws.close()
        self._proc.terminate()
        self._proc.wait(timeout=10)
        self._profile.cleanup()
