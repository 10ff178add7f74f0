"""A local AWS for development and tests: moto's API surface plus engines that really execute.

Never deployed. ``LocalAWS`` runs in-process (tests) or as ``python -m local.aws`` (make run).
"""

from local.aws.server import LocalAWS

__all__ = ["LocalAWS"]
