"""How `make test` shares the suite between its two pytest-xdist workers: the services tier is
one unit (one real stack per session), handed out first because it is the longest; every other
test module is one unit (its module fixtures are built once), largest first."""

from __future__ import annotations

from xdist.scheduler import LoadGroupScheduling

SERVICES = "services"


class ServicesFirst(LoadGroupScheduling):
    def _split_scope(self, nodeid: str) -> str:
        group = super()._split_scope(nodeid)
        return group if group != nodeid else nodeid.split("::", 1)[0]

    def _assign_work_unit(self, node: object) -> None:
        if SERVICES in self.workqueue:
            self.workqueue.move_to_end(SERVICES, last=False)
        super()._assign_work_unit(node)
