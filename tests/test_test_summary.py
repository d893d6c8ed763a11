"""The test command's closing lines, over JUnit reports that pytest itself writes: test cases are counted, not
subtests; the checks stand on their own line; a runner exiting non-zero (also with no test collected) fails."""

import importlib.util
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET

import pytest
from conftest import ROOT

spec = importlib.util.spec_from_file_location('test_summary', ROOT / 'scripts' / 'test_summary.py')
test_summary = importlib.util.module_from_spec(spec)
spec.loader.exec_module(test_summary)

CLEAN = {'install_rc': 0, 'bad_install': 0, 'bad_tests': 0}

SAMPLE = '''
import unittest


class Sample(unittest.TestCase):
    def test_subtests_pass(self):
        for i in range(3):
            with self.subTest(i=i):
                self.assertGreaterEqual(i, 0)

    def test_a_subtest_fails(self):
        for i in range(3):
            with self.subTest(i=i):
                self.assertNotEqual(i, 1)

    def test_plain(self):
        pass

    @unittest.skip('not here')
    def test_skipped(self):
        pass


def test_pytest_subtests(subtests):
    for i in range(2):
        with subtests.test(i=i):
            assert i == 0
'''

PASSING = '''
import unittest


class Passing(unittest.TestCase):
    def test_many_subtests(self):
        for i in range(5):
            with self.subTest(i=i):
                self.assertTrue(True)

    def test_one(self):
        pass
'''


def _pytest(tmp_path, report, source, *args):
    """Runs pytest in its own process on ``source``, as the test command does; returns its exit status."""
    folder = tmp_path / report.removesuffix('.xml')
    folder.mkdir()
    (folder / 'test_sample.py').write_text(textwrap.dedent(source))
    return subprocess.run(
        [sys.executable, '-m', 'pytest', '-p', 'no:cacheprovider', '-p', 'no:odoo', '-q', str(folder),
         f'--junitxml={tmp_path / report}', *args],
        cwd=folder, capture_output=True, check=False).returncode


def _summary(tmp_path, odoo_rc, plain_rc, narrowed=False, **checks):
    rcs = {'Odoo tests': odoo_rc, 'tests without a database': plain_rc}
    return test_summary.summarize(tmp_path, **{**CLEAN, **checks}, runner_rcs=rcs, narrowed=narrowed)


def test_subtests_are_not_counted_as_test_cases(tmp_path):
    odoo_rc = _pytest(tmp_path, 'odoo.xml', SAMPLE)
    plain_rc = _pytest(tmp_path, 'plain.xml', PASSING)
    suite = ET.parse(tmp_path / 'odoo.xml').getroot().find('testsuite')
    assert int(suite.get('tests')) > len(suite.findall('testcase')) == 5  # pytest's total counts subtests too
    lines, status = _summary(tmp_path, odoo_rc, plain_rc)
    # 7 test cases: the failing subtests fail their 2 test cases, each subtest of a passing one adds nothing.
    assert lines[1] == '4 passed, 2 failed, 1 skipped'
    assert lines[0] == ('checks: addon installs cleanly: ok; test log clean: ok; '
                        'Odoo tests: FAILED (exit 1: tests failed); tests without a database: ok')
    assert status == 1


def test_a_clean_run_counts_its_test_cases(tmp_path):
    odoo_rc = _pytest(tmp_path, 'odoo.xml', PASSING)
    plain_rc = _pytest(tmp_path, 'plain.xml', PASSING)
    assert _summary(tmp_path, odoo_rc, plain_rc) == ([
        'checks: addon installs cleanly: ok; test log clean: ok; Odoo tests: ok; tests without a database: ok',
        '4 passed, 0 failed, 0 skipped',
    ], 0)


def test_no_test_collected_fails_the_whole_suite(tmp_path):
    odoo_rc = _pytest(tmp_path, 'odoo.xml', PASSING)
    plain_rc = _pytest(tmp_path, 'plain.xml', '"""No test here."""\n')
    assert plain_rc == 5
    lines, status = _summary(tmp_path, odoo_rc, plain_rc)
    assert lines[0].endswith('tests without a database: FAILED (exit 5: no tests collected)')
    assert lines[1] == '2 passed, 0 failed, 0 skipped' and status == 1


def test_a_selection_may_leave_one_runner_without_tests(tmp_path):
    odoo_rc = _pytest(tmp_path, 'odoo.xml', PASSING, '-k', 'test_one')
    plain_rc = _pytest(tmp_path, 'plain.xml', SAMPLE, '-k', 'test_one')
    assert (odoo_rc, plain_rc) == (0, 5)
    lines, status = _summary(tmp_path, odoo_rc, plain_rc, narrowed=True)
    assert lines == ['checks: addon installs cleanly: ok; test log clean: ok; Odoo tests: ok; '
                     'tests without a database: none selected', '1 passed, 0 failed, 0 skipped']
    assert status == 0


def test_a_selection_that_matches_nothing_fails(tmp_path):
    odoo_rc = _pytest(tmp_path, 'odoo.xml', PASSING, '-k', 'nothing_is_called_so')
    plain_rc = _pytest(tmp_path, 'plain.xml', PASSING, '-k', 'nothing_is_called_so')
    lines, status = _summary(tmp_path, odoo_rc, plain_rc, narrowed=True)
    assert 'Odoo tests: FAILED (exit 5: no tests collected)' in lines[0]
    assert 'tests without a database: FAILED (exit 5: no tests collected)' in lines[0]
    assert lines[1] == '0 passed, 0 failed, 0 skipped' and status == 1


@pytest.mark.parametrize('rc, words', [(3, 'internal error'), (-9, 'crashed')])
def test_a_runner_failing_with_every_test_case_passed_fails(tmp_path, rc, words):
    _pytest(tmp_path, 'odoo.xml', PASSING)
    _pytest(tmp_path, 'plain.xml', PASSING)
    lines, status = _summary(tmp_path, rc, 0)
    assert f'Odoo tests: FAILED (exit {rc}: {words})' in lines[0]
    assert lines[1] == '4 passed, 0 failed, 0 skipped' and status == 1


def test_a_missing_report_counts_nothing_and_fails(tmp_path):
    _pytest(tmp_path, 'plain.xml', PASSING)
    lines, status = _summary(tmp_path, 4, 0)
    assert 'Odoo tests: FAILED (exit 4: usage error)' in lines[0]
    assert lines[1] == '2 passed, 0 failed, 0 skipped' and status == 1


def test_the_install_and_log_checks_are_named_not_counted(tmp_path):
    _pytest(tmp_path, 'odoo.xml', PASSING)
    _pytest(tmp_path, 'plain.xml', PASSING)
    lines, status = _summary(tmp_path, 0, 0, bad_install=2, bad_tests=1)
    assert lines[0].startswith('checks: addon installs cleanly: FAILED (exit 0, 2 WARNING/ERROR lines in '
                               'install.log); test log clean: FAILED (1 WARNING/ERROR lines in tests.log)')
    assert lines[1] == '4 passed, 0 failed, 0 skipped' and status == 1
