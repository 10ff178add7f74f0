"""How `make test` shares the suite between its two pytest-xdist workers: the services tier is
one unit (one real stack per session), handed out first because it is the longest; every other
test module is one unit (its module fixtures are built once), largest first."""

from __future__ import annotations

from xdist.scheduler import LoadGroupScheduling

SERVICES = "services"
# Where the services tests are (tests/conftest.py checks that exactly they carry the marker): the
# scheduler sees node ids only, and xdist's "@group" node id suffix does not survive under
# pytest 9 (the tier was split across both workers, two stacks at once).
SERVICE_MODULES = ("tests/services/", "tests/deploy/test_compose_services.py")


def in_services_tier(nodeid: str) -> bool:
    return nodeid.startswith(SERVICE_MODULES)


class ServicesFirst(LoadGroupScheduling):
    def _split_scope(self, nodeid: str) -> str:
        return SERVICES if in_services_tier(nodeid) else nodeid.split("::", 1)[0].split("@", 1)[0]

    def _assign_work_unit(self, node: object) -> None:
        if SERVICES in self.workqueue:
            self.workqueue.move_to_end(SERVICES, last=False)
        super()._assign_work_unit(node)
