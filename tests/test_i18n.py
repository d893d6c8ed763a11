"""The translations are current: the .pot holds every term of the addon, each .po translates all of them.

The Python terms and the .po files are checked without a database (about a second). The whole .pot, with the
terms of fields, views, data and templates, is compared with Odoo's own export of the database
``scripts/test.sh`` has just installed (``NCC_ODOO_CONF``, ``NCC_TEST_DB``): about ten seconds more.
"""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ODOO_CONF, TEST_DB = os.environ.get('NCC_ODOO_CONF'), os.environ.get('NCC_TEST_DB')

_spec = importlib.util.spec_from_file_location('i18n_check', ROOT / 'scripts' / 'i18n_check.py')
i18n_check = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(i18n_check)


def test_python_terms_and_translations_are_current():
    assert i18n_check.problems() == []


def test_french_and_german_are_shipped():
    assert {path.stem for path in i18n_check.I18N.glob('*.po')} >= {'fr', 'de'}


def test_a_lost_placeholder_is_caught():
    assert i18n_check.placeholders('%(count)s pending, %s left, {{ object.name }}') != i18n_check.placeholders(
        '%(nombre)s en attente, %s restant, {{ object.name }}')


@pytest.mark.skipif(not (ODOO_CONF and TEST_DB), reason='needs the database ./scripts/test.sh installs')
def test_pot_is_odoo_s_export(tmp_path):
    import odoo.release  # noqa: PLC0415 - the Odoo the test command uses

    odoo_bin = Path(odoo.release.__file__).resolve().parents[1] / 'odoo-bin'
    command = [sys.executable, str(odoo_bin)] if odoo_bin.exists() else [sys.executable, '-m', 'odoo']
    export = tmp_path / 'export.pot'
    run = subprocess.run(
        [*command, 'i18n', 'export', '-c', ODOO_CONF, '-d', TEST_DB, 'ncc_atlas_connector',
         '-o', str(export)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert run.returncode == 0 and export.exists(), run.stderr[-2000:]
    assert i18n_check.problems(export) == []
