"""The test command's closing lines, from the JUnit reports of its two pytest runs and the checks around them.

    checks: addon installs cleanly: ok; test log clean: ok; Odoo tests: ok; tests without a database: ok
    268 passed, 0 failed, 0 skipped

A test case is a ``<testcase>`` of a report. pytest also counts each subtest in the suite's ``tests=`` total, and a
failing subtest adds a ``<failure>`` to its test case: a subtest is no test case, its failure fails its test case.
A runner exiting non-zero fails the run even when every test case passed; "no tests collected" (exit 5) is allowed
to one runner only when arguments narrowed the run (``-k sync`` may select Odoo tests only) and the other ran tests.

    python test_summary.py OUT_DIR INSTALL_RC INSTALL_BAD_LINES TESTS_LOG_BAD_LINES ODOO_RC PLAIN_RC NARROWED
"""

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

RUNNERS = {"Odoo tests": "odoo.xml", "tests without a database": "plain.xml"}
EXIT = {1: "tests failed", 2: "interrupted", 3: "internal error", 4: "usage error", 5: "no tests collected"}
RANK = {"passed": 0, "skipped": 1, "failed": 2}


def outcomes(report: Path) -> dict:
    """{(classname, name): 'failed' | 'skipped' | 'passed'}; a test case reported twice keeps its worst outcome."""
    cases = {}
    if report.exists():
        for case in ET.parse(report).getroot().iter("testcase"):
            tags = {child.tag for child in case}
            outcome = "failed" if tags & {"failure", "error"} else "skipped" if "skipped" in tags else "passed"
            key = (case.get("classname"), case.get("name"))
            if RANK[outcome] >= RANK[cases.get(key, "passed")]:
                cases[key] = outcome
    return cases


def summarize(out: Path, install_rc: int, bad_install: int, bad_tests: int, runner_rcs: dict, narrowed: bool):
    """``(lines, exit status)``; ``runner_rcs`` maps each name of RUNNERS to its exit status."""
    cases = {name: outcomes(out / report) for name, report in RUNNERS.items()}
    ran = {name: any(outcome != "skipped" for outcome in found.values()) for name, found in cases.items()}
    checks = {
        "addon installs cleanly": "ok" if install_rc == 0 and bad_install == 0
        else f"FAILED (exit {install_rc}, {bad_install} WARNING/ERROR lines in install.log)",
        "test log clean": "ok" if bad_tests == 0 else f"FAILED ({bad_tests} WARNING/ERROR lines in tests.log)",
    }
    for name, rc in runner_rcs.items():
        if rc == 0:
            checks[name] = "ok"
        elif rc == 5 and narrowed and any(ran[other] for other in RUNNERS if other != name):
            checks[name] = "none selected"
        else:
            checks[name] = f"FAILED (exit {rc}: {EXIT.get(rc, 'crashed')})"
    counts = {kind: sum(outcome == kind for found in cases.values() for outcome in found.values()) for kind in RANK}
    lines = [
        "checks: " + "; ".join(f"{name}: {state}" for name, state in checks.items()),
        f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped",
    ]
    failed = counts["failed"] or any(state.startswith("FAILED") for state in checks.values())
    return lines, 1 if failed else 0


def main(argv: list[str]) -> int:
    out, (install_rc, bad_install, bad_tests, odoo_rc, plain_rc, narrowed) = Path(argv[0]), map(int, argv[1:])
    lines, status = summarize(out, install_rc, bad_install, bad_tests,
                              dict(zip(RUNNERS, (odoo_rc, plain_rc), strict=True)), bool(narrowed))
    print("\n".join(lines))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
