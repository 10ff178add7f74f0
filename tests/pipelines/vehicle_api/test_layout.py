"""S3 keys of downloaded pages, page batching for the mapped tasks, and the Lambda package."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from datetime import date

import pytest

from deploy.lambda_package import build_zip
from pipelines.vehicle_api.batching import page_batches, page_requests
from pipelines.vehicle_api.layout import day_prefix, page_key


def test_page_key_is_the_specs_layout():
    assert page_key("vehicles", "2026-01-05", 7) == "vehicle_api/vehicles/creation_date=2026-01-05/page-00007.jsonl"
    assert page_key("sensor-data", date(2026, 1, 5), 12345, prefix="t/run1/") == (
        "t/run1/sensor-data/creation_date=2026-01-05/page-12345.jsonl"
    )
    assert day_prefix("sensor-data", "2026-01-05") == "vehicle_api/sensor-data/creation_date=2026-01-05/"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("vehicles", "2026-01-05", 0), "page must be an integer within 1..99999"),
        (("vehicles", "2026-01-05", 100_000), "page must be an integer within 1..99999"),
        (("sensor_data", "2026-01-05", 1), "unknown endpoint 'sensor_data'"),
        (("vehicles", "05.01.2026", 1), "expected a day as YYYY-MM-DD"),
    ],
)
def test_page_key_rejects_what_would_break_the_layout(args, message):
    with pytest.raises(ValueError, match=message):
        page_key(*args)


@pytest.mark.parametrize(
    ("total", "max_tasks", "min_batch", "expected_sizes"),
    [
        (0, 10, 1, []),
        (1, 10, 1, [1]),
        (5, 10, 1, [1, 1, 1, 1, 1]),
        (10, 3, 1, [4, 3, 3]),
        (200, 1024, 1, [1] * 200),
        (2500, 1024, 1, [3] * 452 + [2] * 572),
        (200, 1024, 10, [10] * 20),
        (205, 1024, 10, [11] * 5 + [10] * 15),
        (7, 1024, 10, [7]),
    ],
)
def test_page_batches_are_contiguous_cover_every_page_and_respect_the_limit(
    total, max_tasks, min_batch, expected_sizes
):
    batches = page_batches(total, max_tasks, min_batch)
    assert [len(b) for b in batches] == expected_sizes
    assert [page for batch in batches for page in batch] == list(range(1, total + 1))
    assert all(batch == list(range(batch[0], batch[-1] + 1)) for batch in batches)
    assert len(batches) <= max_tasks


def test_page_batches_rejects_bad_input():
    with pytest.raises(ValueError, match="total_pages"):
        page_batches(-1, 10)
    with pytest.raises(ValueError, match="max_tasks"):
        page_batches(5, 0)


def test_page_requests_are_the_downloader_events():
    events = page_requests("sensor-data", date(2026, 1, 5), 5, 1000, "raw", max_tasks=2, prefix="p")
    assert events == [
        {
            "endpoint": "sensor-data",
            "date": "2026-01-05",
            "pages": [1, 2, 3],
            "page_size": 1000,
            "bucket": "raw",
            "prefix": "p",
        },
        {
            "endpoint": "sensor-data",
            "date": "2026-01-05",
            "pages": [4, 5],
            "page_size": 1000,
            "bucket": "raw",
            "prefix": "p",
        },
    ]
    assert json.loads(json.dumps(events)) == events
    with pytest.raises(ValueError, match="page_size"):
        page_requests("vehicles", "2026-01-05", 5, 0, "raw", max_tasks=2)


def test_lambda_package_is_deterministic_and_self_contained(tmp_path):
    package = build_zip()
    assert build_zip() == package
    names = zipfile.ZipFile(io.BytesIO(package)).namelist()
    assert {
        "handler.py",
        "vehicle_api_client.py",
        "pipelines/vehicle_api/layout.py",
        "requests/__init__.py",
    } <= set(names)
    assert not [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".so"))]
    assert "pipelines/settings.py" not in names  # only what the handler needs

    zipfile.ZipFile(io.BytesIO(package)).extractall(tmp_path)
    # Without site-packages (-S), as on a Lambda runtime that has no requests: the client and its
    # vendored dependencies must import from the package alone.
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import vehicle_api_client as c, pipelines.vehicle_api.layout as l, requests;"
        "print(requests.__file__.startswith(sys.argv[1]), l.page_key('vehicles', '2026-01-01', 1))"
    )
    out = subprocess.run(
        [sys.executable, "-I", "-S", "-W", "ignore", "-c", probe, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split() == ["True", "vehicle_api/vehicles/creation_date=2026-01-01/page-00001.jsonl"]
