"""Make ``odoo.addons.ncc_atlas_connector`` importable without an Odoo registry, for tests that need no database,
and the sandbox Atlas (``atlas_sandbox``, beside the addon) importable from this checkout."""

import importlib.util
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]  # the folder holding ncc_atlas_connector/ and atlas_sandbox/

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

if importlib.util.find_spec('odoo') is None:
    sys.path.insert(0, os.environ.get('ODOO_SRC', '/opt/odoo'))

import odoo.addons  # noqa: E402 - a namespace package: only importable once the Odoo source is on the path

if str(ROOT) not in list(odoo.addons.__path__):
    odoo.addons.__path__.append(str(ROOT))
# The addons of the Odoo source too: the addon's controllers build on the portal's.
ODOO_ADDONS = Path(odoo.addons.__path__[0]).resolve().parents[1] / 'addons'
if ODOO_ADDONS.is_dir() and str(ODOO_ADDONS) not in list(odoo.addons.__path__):
    odoo.addons.__path__.append(str(ODOO_ADDONS))


@pytest.fixture(scope='session', autouse=True)
def load_registry():
    """pytest-odoo loads an Odoo registry (and needs a database) for every test it sees; these tests need none."""
    yield


# ------------------------------------------------------------------------------------------- the Atlas sandbox

SANDBOX_KEY = 'ncc-key-Zq8tX2vRw7'
SANDBOX_REVIEWER_KEY = 'eccc-reviewer-key-Lm4pQ9'


@pytest.fixture(scope='session')
def atlas_sandbox():
    """One sandbox (in memory, loopback, random port) for the session; use ``sandbox`` to get it clean. Its
    read-back quirks are the defaults, or those of ``NCC_SANDBOX_QUIRKS`` (e.g. ``all``, ``none``, JSON)."""
    from atlas_sandbox import Sandbox

    sandbox = Sandbox(api_key=SANDBOX_KEY, reviewer_key=SANDBOX_REVIEWER_KEY, seed=7,
                      quirks=os.environ.get('NCC_SANDBOX_QUIRKS') or None)
    sandbox.start()
    yield sandbox
    sandbox.close()


@pytest.fixture
def sandbox(atlas_sandbox):
    """The session's sandbox, emptied: no registration, no statistics, no fault, the session's quirks."""
    quirks = atlas_sandbox.quirks
    atlas_sandbox.set_faults(None)
    atlas_sandbox.reset()
    yield atlas_sandbox
    atlas_sandbox.set_faults(None)
    atlas_sandbox.faults.clear_forced()
    atlas_sandbox.set_quirks(quirks)
