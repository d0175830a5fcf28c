"""Which tests share a pytest-xdist worker, and a check after the run that they did.

A group's tests run on one worker, in order: the browser tests of a group share one served
process and one chromium, and the tests that race processes do not race each other as well.
The end-to-end tests mostly wait on the wall clock, so they can run beside the races.

Groups are named here by path, and the scheduler reads them from the node id. pytest-xdist's
own `loadgroup` names them by appending "@group" to `item._nodeid`, which pytest 9.2 no longer
reads (pytest-dev/pytest-xdist#1386): every group was silently spread over both workers. So
`GroupCheck` fails a run in which any group's tests ran on more than one worker.
"""

from __future__ import annotations

from collections import defaultdict

import pytest
from xdist.scheduler import LoadGroupScheduling

# The first matching prefix names the group.
XDIST_GROUPS = {
    "tests/browser/test_every_page.py": "browser-pages",
    "tests/browser/": "browser",
    "tests/concurrency/": "processes",
    "tests/e2e/": "real-time",
}


def group_of(nodeid: str) -> str | None:
    return next((g for prefix, g in XDIST_GROUPS.items() if nodeid.startswith(prefix)), None)


class PathGroups(LoadGroupScheduling):
    """`--dist loadgroup`, each group's tests one unit of work (the biggest units first), every
    other test a unit of its own."""

    def _split_scope(self, nodeid: str) -> str:
        return group_of(nodeid) or super()._split_scope(nodeid)


class GroupCheck:
    """In the controlling process: the workers each group's tests ran on, from their reports
    (pytest-xdist names the worker on each); more than one fails the run."""

    def __init__(self) -> None:
        self.workers: defaultdict[str, set[str]] = defaultdict(set)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        node = getattr(report, "node", None)  # set by pytest-xdist in the controller
        group = group_of(report.nodeid)
        if node is not None and group is not None and report.when == "setup":
            self.workers[group].add(node.gateway.id)

    def spread(self) -> dict[str, list[str]]:
        return {g: sorted(w) for g, w in self.workers.items() if len(w) > 1}

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        spread = self.spread()
        if not spread:
            return
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"xdist groups ran on more than one worker: {spread}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
