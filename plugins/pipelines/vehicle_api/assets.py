"""The raw assets the download DAG emits and the processing DAG is scheduled on.

Each event's partition key is its day (``YYYY-MM-DD``); its ``extra`` carries ``{"date": day,
"records": n, "pages": n, ...}``.
"""

from __future__ import annotations

from airflow.sdk import Asset

from pipelines.settings import SETTINGS

ASSETS: dict[str, Asset] = {
    endpoint: Asset(
        name=f"vehicle_api_raw_{endpoint.replace('-', '_')}",
        uri=f"s3://{SETTINGS.raw_bucket}/vehicle_api/{endpoint}/",
        group="vehicle_api",
    )
    for endpoint in ("vehicles", "sensor-data")
}
