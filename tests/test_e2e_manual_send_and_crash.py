"""End-to-end, with real processes and real transactions: a person's "Send now" while the scheduled push holds a
create open on the Atlas, and a push killed between an applied create and its batch's commit.

Like the concurrent-push test, this works in the database ``scripts/test.sh`` has just installed (``NCC_TEST_DB``,
``NCC_ODOO_CONF``), commits its own applicants and removes them afterwards.
"""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from pathlib import Path

import pytest
import test_e2e_concurrent_push as e2e
from test_e2e_concurrent_push import (
    KEY,
    ODOO_CONF,
    PARAM,
    PARAMS,
    POST,
    REVIEWER_KEY,
    TEST_DB,
    environment,
    make_approved_applicants,
)

registry = e2e.registry  # the fixture: Odoo's registry of the test database

pytestmark = pytest.mark.skipif(
    not (ODOO_CONF and TEST_DB),
    reason='needs a database with the addon installed: run it through ./scripts/test.sh',
)

HOLD_MS = 6000  # how long the Atlas holds a request open


@pytest.fixture
def atlas(registry):
    """A sandbox Atlas with no fault yet, and the addon pointed at it (settings restored afterwards)."""
    from atlas_sandbox import Sandbox

    sandbox = Sandbox(api_key=KEY, reviewer_key=REVIEWER_KEY)
    sandbox.start()
    with registry.cursor() as cr:
        env = environment(cr)
        params = env['ir.config_parameter']
        saved = {name: params.get_param(PARAM + name) for name in PARAMS}
        env['ncc.atlas.sync']._configure_sandbox(sandbox.url, KEY)
        params.set_param(PARAM + 'country_term_id', env.ref('ncc_atlas_connector.term_country_lu').id)
        params.set_param(PARAM + 'batch_size', 10)
        params.set_param(PARAM + 'timeout', 20)
        params.set_param(PARAM + 'owner_uuid', False)
    try:
        yield sandbox
    finally:
        sandbox.close()
        with registry.cursor() as cr:
            params = environment(cr)['ir.config_parameter']
            for name, value in saved.items():
                params.set_param(PARAM + name, value or False)


def applicants_fixture(count):
    @pytest.fixture
    def fixture(registry):
        tag = uuid.uuid4().hex[:8].upper()
        with registry.cursor() as cr:
            ids = make_approved_applicants(environment(cr), count, tag).ids
        try:
            yield ids
        finally:
            with registry.cursor() as cr:
                env = environment(cr)
                env['ncc.atlas.sync.log'].search([('partner_id', 'in', ids)]).unlink()
                companies = env['res.partner'].browse(ids).exists()
                (companies.child_ids | companies).with_context(active_test=False).unlink()
    return fixture


one_applicant = applicants_fixture(1)
two_applicants = applicants_fixture(2)


def push_run(env):
    """One run of the push as Odoo's cron runner makes it: a call per batch, each with its progress, committed,
    until no batch reports work remaining."""
    cron = env.ref('ncc_atlas_connector.ir_cron_ncc_atlas_push')
    for _call in range(20):
        cron_, progress = cron._add_progress()
        env.cr.commit()
        context = {**cron_.env.context, 'cron_id': cron.id, 'cron_end_time': time.monotonic() + 300}
        env['ncc.atlas.sync'].with_context(context)._cron_push()
        env.cr.commit()
        if not progress.remaining:
            return
    raise AssertionError('the push run never ended')


def wait_for(condition, what, seconds=30):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f'timed out waiting for {what}')
        time.sleep(0.05)


def registrations_of(atlas, number):
    return [cluster for cluster in atlas.clusters() if cluster['field_registration_number'] == number]


def test_send_now_while_the_job_holds_the_create_open_makes_one_registration(registry, atlas, one_applicant):
    from odoo.exceptions import UserError

    [partner_id] = one_applicant
    atlas.set_faults({'rate': 1.0, 'kinds': {'latency': 1}, 'slow_ms': HOLD_MS, 'only_methods': ['POST']})
    errors = []

    def job():
        try:
            with registry.cursor() as cr:
                push_run(environment(cr))
        except Exception as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    worker = threading.Thread(target=job, name='push-job')
    worker.start()
    wait_for(lambda: atlas.count('GET', POST) >= 1, "the job's look-up before its create")
    time.sleep(0.5)  # its create is now held open by the Atlas

    # The job's row lock lets colleagues add what only references the application (FOR NO KEY UPDATE).
    with registry.cursor() as cr:
        cr.execute("SET LOCAL lock_timeout = '2s'")
        env = environment(cr)
        env['res.partner'].create({'name': 'A colleague', 'parent_id': partner_id, 'type': 'contact'})
        env['res.partner'].browse(partner_id).message_post(body='A note while it is being sent')

    with registry.cursor() as cr:
        partner = environment(cr)['res.partner'].browse(partner_id)
        try:
            partner.action_ncc_sync_now()
            said = None
        except UserError as exc:
            said = str(exc)
            cr.rollback()  # as the web client's request does
    worker.join(timeout=60)
    assert not worker.is_alive() and not errors, errors
    assert said and ('being sent to the Atlas right now' in said or 'Someone else' in said), said

    atlas.set_faults(None)
    with registry.cursor() as cr:
        partner = environment(cr)['res.partner'].browse(partner_id)
        assert partner.ncc_sync_state == 'synced', partner.ncc_sync_error
        number = partner.company_registry
        assert [c['id'] for c in registrations_of(atlas, number)] == [partner.ncc_atlas_uuid], 'ONE registration'
    assert atlas.count('POST', POST) == 1


KILLED_PUSH = textwrap.dedent('''
    import sys, time
    import odoo.addons
    odoo.addons.__path__.append(sys.argv[3])
    from odoo.tools import config
    config.parse_config(['-c', sys.argv[1], '-d', sys.argv[2]], setup_logging=False)
    import odoo.modules.module
    odoo.modules.module.initialize_sys_path()
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry
    with Registry(sys.argv[2]).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        cron = env.ref('ncc_atlas_connector.ir_cron_ncc_atlas_push')
        cron_, _progress = cron._add_progress()
        cr.commit()
        context = {**cron_.env.context, 'cron_id': cron.id, 'cron_end_time': time.monotonic() + 300}
        env['ncc.atlas.sync'].with_context(context)._cron_push()
''')


def test_a_create_applied_before_a_crash_stays_in_the_log_and_is_linked_next_run(registry, atlas, two_applicants):
    import odoo

    first, second = two_applicants
    # Every look-up is held: the first application's create goes through, the process dies during the second's
    # look-up, before the batch commits. The second has no registration number, so that it is looked up on its own
    # (by name) after the first's create, not with it in the batch's search.
    with registry.cursor() as cr:
        environment(cr)['res.partner'].browse(second).company_registry = False
    atlas.set_faults({'rate': 1.0, 'kinds': {'latency': 1}, 'slow_ms': 1500, 'only_methods': ['GET']})
    env_vars = {**os.environ, 'PYTHONPATH': os.pathsep.join(
        filter(None, [str(Path(next(iter(odoo.__path__))).resolve().parent), os.environ.get('PYTHONPATH')]))}
    addon_root = str(Path(__file__).resolve().parents[1])
    process = subprocess.Popen([sys.executable, '-c', KILLED_PUSH, ODOO_CONF, TEST_DB, addon_root], env=env_vars,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        def create_logged():
            with registry.cursor() as cr:
                return environment(cr)['ncc.atlas.sync.log'].search_count([('method', '=', 'POST')]) > logged_before

        with registry.cursor() as cr:
            logged_before = environment(cr)['ncc.atlas.sync.log'].search_count([('method', '=', 'POST')])
        # The create applied and its answer received (the exchange has ended), the second look-up held open.
        wait_for(lambda: create_logged() or process.poll() is not None, 'the applied create')
        assert process.poll() is None, 'the push ended before it could be killed'
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    atlas.set_faults(None)
    [created] = atlas.requests('POST', POST)
    assert created['status'] == 201

    with registry.cursor() as cr:
        env = environment(cr)
        partner = env['res.partner'].browse(first)
        assert not partner.ncc_atlas_uuid and partner.ncc_sync_state == 'pending', 'the batch never committed'
        [entry] = env['ncc.atlas.sync.log'].search([('method', '=', 'POST'), ('partner_id', '=', first)])
        assert (entry.outcome, entry.status, entry.recorded) == ('ok', 201, False), 'logged, not yet recorded'

    with registry.cursor() as cr:
        push_run(environment(cr))

    with registry.cursor() as cr:
        env = environment(cr)
        partner = env['res.partner'].browse(first)
        [registration] = registrations_of(atlas, partner.company_registry)
        assert partner.ncc_atlas_uuid == registration['id'], 'found again by its look-up, not created again'
        assert partner.ncc_sync_state == 'synced'
        logged = env['ncc.atlas.sync.log'].search([('method', '=', 'POST'), ('partner_id', '=', first)])
        assert logged == entry.with_env(env), 'the exchange of the crashed run, linked to its application'
        assert env['res.partner'].browse(second).ncc_sync_state == 'synced'
        assert env['ncc.atlas.sync.log'].search_count([('partner_id', 'in', [first, second]),
                                                       ('recorded', '=', True)]) >= 3, 'the next run recorded'
    assert atlas.count('POST', POST) == 2, 'one create for each application'


ten_applicants = applicants_fixture(10)


def test_timeouts_stop_the_run_after_three_exchanges(registry, atlas, ten_applicants):
    """Every request outlasts the timeout: the run stops after three exchanges in a row without an answer, keeps
    everything pending, and ends (it is not rerun at once)."""
    with registry.cursor() as cr:
        params = environment(cr)['ir.config_parameter']
        params.set_param(PARAM + 'timeout', 1)
        params.set_param(PARAM + 'job_read_retries', 0)
    atlas.set_faults({'latency_ms': 1500})
    try:
        with registry.cursor() as cr:
            push_run(environment(cr))
        wait_for(lambda: atlas.count() >= 3, 'the late answers', seconds=10)
        time.sleep(1.6)  # a fourth request, had there been one, would be counted by now
    finally:
        atlas.set_faults(None)
        with registry.cursor() as cr:
            environment(cr)['ir.config_parameter'].set_param(PARAM + 'job_read_retries', False)
    assert atlas.count() == 3, 'three requests, then the run stopped'
    with registry.cursor() as cr:
        partners = environment(cr)['res.partner'].browse(ten_applicants)
        assert set(partners.mapped('ncc_sync_state')) == {'pending'}
        # The batch's search, then two applications looked up on their own.
        assert len(partners.filtered('ncc_sync_attempts')) == 2
        assert not partners.filtered(lambda p: not p.ncc_sync_attempts and p.ncc_next_attempt), 'due next run'


def test_send_now_with_a_refused_key_keeps_its_log_through_the_rollback(registry, atlas, one_applicant):
    from odoo.exceptions import UserError

    [partner_id] = one_applicant
    with registry.cursor() as cr:
        environment(cr)['ir.config_parameter'].set_param(PARAM + 'api_key', 'not-the-key-123')
    with registry.cursor() as cr:
        partner = environment(cr)['res.partner'].browse(partner_id)
        with pytest.raises(UserError, match='refused the API key'):
            partner.action_ncc_sync_now()
        cr.rollback()  # as the web client's request does after an error
    with registry.cursor() as cr:
        env = environment(cr)
        logged = env['ncc.atlas.sync.log'].search([('partner_id', '=', partner_id)])
        assert logged.mapped('outcome') == ['authentication'], 'the failed exchange survived the rollback'
        flag = env['ir.config_parameter'].get_param(PARAM + 'key_refused_since')
        assert flag, 'the administrators were alerted (and the outage noted)'
        env['ir.config_parameter'].set_param(PARAM + 'key_refused_since', False)
