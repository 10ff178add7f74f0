"""``python -m local.sources.traffic`` writes generated days into any S3 endpoint."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

from pipelines.settings import SETTINGS

REPO = Path(__file__).resolve().parents[3]


def test_cli_writes_the_range_in_the_firehose_layout(local_aws):
    prefix = f"cli-{uuid.uuid4().hex[:8]}/traffic/"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "local.sources.traffic",
            "--endpoint-url",
            local_aws.endpoint_url,
            "--bucket",
            SETTINGS.raw_bucket,
            "--from",
            "2020-07-14",
            "--to",
            "2020-07-15",
            "--detectors",
            "2",
            "--seed",
            "4",
            "--prefix",
            prefix,
        ],
        cwd=REPO,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    s3 = local_aws.client("s3")
    keys = [
        o["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=SETTINGS.raw_bucket, Prefix=prefix)
        for o in page.get("Contents", [])
    ]
    days = {k[len(prefix) : len(prefix) + 10] for k in keys}
    assert days == {"2020/07/14", "2020/07/15", "2020/07/16"}  # the 15th's late records arrive on the 16th
    assert {k[len(prefix) + 11 : len(prefix) + 13] for k in keys if "/2020/07/14/" in k} == {
        f"{h:02d}" for h in range(24)
    }
    assert (
        done.stdout.strip()
        == f"wrote {done.stdout.split()[1]} records in {len(keys)} objects to s3://{SETTINGS.raw_bucket}/{prefix}"
    )
    assert int(done.stdout.split()[1]) > 2 * 1440 * 2
