"""The transforms generated Glue scripts import with ``from awsglue.transforms import *``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyspark.sql import Row

from awsglue.dynamicframe import DynamicFrame

__all__ = ["ApplyMapping", "DropFields", "Filter", "RenameField", "SelectFields"]


class ApplyMapping:
    @staticmethod
    def apply(frame: DynamicFrame, mappings: list[tuple[str, ...]], **kwargs: Any) -> DynamicFrame:
        return frame.apply_mapping(mappings)


class SelectFields:
    @staticmethod
    def apply(frame: DynamicFrame, paths: list[str], **kwargs: Any) -> DynamicFrame:
        return frame.select_fields(paths)


class DropFields:
    @staticmethod
    def apply(frame: DynamicFrame, paths: list[str], **kwargs: Any) -> DynamicFrame:
        return frame.drop_fields(paths)


class RenameField:
    @staticmethod
    def apply(frame: DynamicFrame, old_name: str, new_name: str, **kwargs: Any) -> DynamicFrame:
        return frame.rename_field(old_name, new_name)


class Filter:
    @staticmethod
    def apply(frame: DynamicFrame, f: Callable[[Row], bool], **kwargs: Any) -> DynamicFrame:
        return frame.filter(f)
