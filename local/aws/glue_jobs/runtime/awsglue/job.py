"""``Job.init`` / ``Job.commit``. Job bookmarks are not kept: every run processes its whole input."""

from __future__ import annotations

from typing import Any


class Job:
    def __init__(self, glue_context: Any) -> None:
        self.glue_context = glue_context
        self.name: str | None = None
        self.args: dict[str, str] = {}
        self.committed = False

    def init(self, job_name: str, args: dict[str, str] | None = None) -> None:
        self.name = job_name
        self.args = dict(args or {})

    def commit(self) -> None:
        self.committed = True

    @staticmethod
    def continuation_options() -> list[str]:
        return ["--continuation-option", "continuation-enabled", "continuation-disabled", "continuation-ignore"]
