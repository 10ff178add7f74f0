"""Sample upstream vehicle API (spec section 2): OAuth client credentials, paginated records.

``SampleVehicleApi(ApiConfig(...)).start()`` serves it in-process; ``python -m
local.sources.vehicle_api --port N`` as a process. ``expected_records`` gives the records it
serves, computed without HTTP, for independent checks in tests.
"""

from local.sources.vehicle_api.config import ApiConfig, Fault
from local.sources.vehicle_api.data import (
    DEFAULT_SEED,
    ENDPOINTS,
    VEHICLE_TYPES,
    Volume,
    expected_records,
    vehicle_for_id,
)
from local.sources.vehicle_api.server import SampleVehicleApi

__all__ = [
    "DEFAULT_SEED",
    "ENDPOINTS",
    "VEHICLE_TYPES",
    "ApiConfig",
    "Fault",
    "SampleVehicleApi",
    "Volume",
    "expected_records",
    "vehicle_for_id",
]
