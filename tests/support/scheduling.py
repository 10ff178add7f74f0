"""How `make test` shares the suite between its two pytest-xdist workers: the services tier is
two units of about equal length, each run by one worker on a real stack of its own (the
session's ``stack`` fixture: one per worker), handed out first because they are the longest;
every other test module is one unit (its module fixtures are built once), largest first."""

from __future__ import annotations

from xdist.scheduler import LoadGroupScheduling

SERVICES = "services"
# The second stack's modules, by file name (the others run on the first): with the first's
# test_runtime (a day of hours backfilled), each stack has about half of the tier's time.
SECOND_STACK = ("test_backfills.py", "test_arrivals.py", "test_deferral.py", "test_compose_services.py")
# Where the services tests are (tests/conftest.py checks that exactly they carry the marker): the
# scheduler sees node ids only, and xdist's "@group" node id suffix does not survive under
# pytest 9 (the tier was split across both workers, two stacks at once).
SERVICE_MODULES = ("tests/services/", "tests/deploy/test_compose_services.py")


def in_services_tier(nodeid: str) -> bool:
    return nodeid.startswith(SERVICE_MODULES)


def services_unit(nodeid: str) -> str:
    """``services-1`` or ``services-2``: which stack a services test runs on."""
    module = nodeid.split("::", 1)[0].rsplit("/", 1)[-1]
    return f"{SERVICES}-2" if module in SECOND_STACK else f"{SERVICES}-1"


class ServicesFirst(LoadGroupScheduling):
    def _split_scope(self, nodeid: str) -> str:
        return services_unit(nodeid) if in_services_tier(nodeid) else nodeid.split("::", 1)[0].split("@", 1)[0]

    def _assign_work_unit(self, node: object) -> None:
        for unit in (f"{SERVICES}-2", f"{SERVICES}-1"):
            if unit in self.workqueue:
                self.workqueue.move_to_end(unit, last=False)
        super()._assign_work_unit(node)
