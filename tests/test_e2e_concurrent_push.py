"""End-to-end: two push runs at the same time on the same pending applications send each application once.

This needs real transactions (each run commits its batches, as a scheduled action does), so it cannot be an Odoo
TransactionCase. It works in the database that ``scripts/test.sh`` has just created and installed the addon in
(``NCC_TEST_DB``, with the Odoo configuration ``NCC_ODOO_CONF``): it commits its own applicants and removes them
afterwards, and restores the Atlas settings it changes.
"""

import os
import threading
import time
import uuid
from collections import Counter

import pytest

ODOO_CONF = os.environ.get('NCC_ODOO_CONF')
TEST_DB = os.environ.get('NCC_TEST_DB')
pytestmark = pytest.mark.skipif(
    not (ODOO_CONF and TEST_DB),
    reason='needs a database with the addon installed: run it through ./scripts/test.sh, which exports '
           'NCC_ODOO_CONF and NCC_TEST_DB',
)

APPLICATIONS = 24
BATCH_SIZE = 4
LATENCY_MS = 25
KEY = 'e2e-ncc-key-5Rk2wQ8s'
REVIEWER_KEY = 'e2e-reviewer-key-7Hn3'
PARAM = 'ncc_atlas_connector.'
PARAMS = ('url', 'api_key', 'country_term_id', 'batch_size', 'timeout', 'owner_uuid')
POST = '/jsonapi/node/cluster'


@pytest.fixture(scope='module')
def registry():
    import odoo.modules.module
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config(['-c', ODOO_CONF, '-d', TEST_DB], setup_logging=False)
    odoo.modules.module.initialize_sys_path()
    return Registry(TEST_DB)


def environment(cr, context=None):
    from odoo import SUPERUSER_ID, api

    return api.Environment(cr, SUPERUSER_ID, context or {})


@pytest.fixture
def atlas(registry):
    """A sandbox Atlas that answers every request after a delay, and the addon pointed at it (settings restored)."""
    from atlas_sandbox import Sandbox

    sandbox = Sandbox(api_key=KEY, reviewer_key=REVIEWER_KEY, faults={'latency_ms': LATENCY_MS})
    sandbox.start()
    with registry.cursor() as cr:
        env = environment(cr)
        params = env['ir.config_parameter']
        saved = {name: params.get_param(PARAM + name) for name in PARAMS}
        env['ncc.atlas.sync']._configure_sandbox(sandbox.url, KEY)
        params.set_param(PARAM + 'country_term_id', env.ref('ncc_atlas_connector.term_country_lu').id)
        params.set_param(PARAM + 'batch_size', BATCH_SIZE)
        params.set_param(PARAM + 'timeout', 10)
        params.set_param(PARAM + 'owner_uuid', False)
    try:
        yield sandbox
    finally:
        sandbox.close()
        with registry.cursor() as cr:
            params = environment(cr)['ir.config_parameter']
            for name, value in saved.items():
                params.set_param(PARAM + name, value or False)


@pytest.fixture
def applicants(registry):
    """Approved, complete applicants committed to the database (and removed afterwards)."""
    tag = uuid.uuid4().hex[:8].upper()
    with registry.cursor() as cr:
        env = environment(cr)
        ids = make_approved_applicants(env, APPLICATIONS, tag).ids
    try:
        yield ids
    finally:
        with registry.cursor() as cr:
            env = environment(cr)
            companies = env['res.partner'].browse(ids).exists()
            (companies.child_ids | companies).with_context(active_test=False).unlink()


def make_approved_applicants(env, count, tag):
    ref = env.ref
    term = lambda name: ref(f'ncc_atlas_connector.term_{name}').id  # noqa: E731
    Partner = env['res.partner'].with_context(tracking_disable=True, mail_create_nolog=True)
    companies = Partner.create([{
        'name': f'E2E {tag} {i:02d} S.A.', 'is_company': True, 'ncc_is_applicant': True,
        'ncc_name_national': f'E2E {tag} {i:02d}', 'street': f'{i} rue du Test', 'city': 'Luxembourg',
        'zip': '1855', 'country_id': ref('base.lu').id, 'website': f'https://e2e{i}.{tag.lower()}.example.eu',
        'email': f'info@e2e{i}.{tag.lower()}.example.eu', 'company_registry': f'E{tag}{i:03d}',
        'ncc_cluster_type_id': term('cluster_type_industry_sme'), 'ncc_size_class': 'small',
        'ncc_field_of_activity_ids': [(6, 0, [term('fields_of_activity_industrial_or_product_development')])],
        'ncc_thematic_area_ids': [(6, 0, [term('cluster_thematic_area_post_quantum_cryptography')])],
        'ncc_expertise_description': 'End-to-end test applicant.', 'ncc_no_exclusion': True,
        'ncc_data_sharing_consent': True, 'ncc_privacy_notice_accepted': True, 'ncc_member_tasks_accepted': True,
        'ncc_form_completed': True,
    } for i in range(count)])
    Partner.create([{
        'name': f'Ana Test{i:02d}', 'parent_id': company.id, 'type': 'contact', 'function': 'CISO',
        'email': f'ana@e2e{i}.{tag.lower()}.example.eu', 'ncc_is_representative': True,
    } for i, company in enumerate(companies)])
    companies._ncc_generate_checks()
    companies.ncc_check_ids.write({'result': 'pass'})
    companies.with_context(ncc_system_move=True).write({'ncc_stage_id': companies._ncc_stage_of_kind('approved').id})
    assert set(companies.mapped('ncc_sync_state')) == {'pending'}
    return companies


def cron_context(env):
    """The context of a push run by a cron worker: its progress record (committed), so it commits batch by batch."""
    cron = env.ref('ncc_atlas_connector.ir_cron_ncc_atlas_push')
    cron, _progress = cron._add_progress()
    env.cr.commit()
    return {**cron.env.context, 'cron_id': cron.id, 'cron_end_time': time.monotonic() + 300}


def run_push_as_cron(registry, errors, barrier=None):
    """One run of the push scheduled action in its own cursor, as a cron worker runs it: a call per batch, each
    with its own progress record, until a call reports nothing remaining."""
    try:
        with registry.cursor() as cr:
            env = environment(cr)
            context = cron_context(env)
            if barrier:
                barrier.wait(timeout=30)
            for _call in range(APPLICATIONS):
                env['ncc.atlas.sync'].with_context(context)._cron_push()
                cr.commit()
                progress = env['ir.cron.progress'].browse(context['ir_cron_progress_id'])
                if not progress.remaining:
                    break
                context = cron_context(env)
    except Exception as exc:  # noqa: BLE001 - reported by the test
        errors.append(exc)


def check_sent_once(registry, atlas, applicants):
    with registry.cursor() as cr:
        partners = environment(cr)['res.partner'].browse(applicants)
        numbers = set(partners.mapped('company_registry'))
        states = Counter(partners.mapped('ncc_sync_state'))
        uuids = set(partners.mapped('ncc_atlas_uuid'))
    posts = Counter(request['body']['data']['attributes']['field_registration_number']
                    for request in atlas.requests('POST', POST))
    assert set(posts) == numbers
    assert {number: n for number, n in posts.items() if n != 1} == {}, 'each application is sent once'
    assert atlas.count('POST', POST) == APPLICATIONS
    clusters = Counter(cluster['field_registration_number'] for cluster in atlas.clusters())
    assert clusters == Counter(dict.fromkeys(numbers, 1)), 'one Atlas registration per application'
    assert states == Counter(synced=APPLICATIONS)
    assert len(uuids) == APPLICATIONS


def test_two_concurrent_push_runs_send_each_application_once(registry, atlas, applicants):
    barrier = threading.Barrier(2)
    errors = []
    workers = [threading.Thread(target=run_push_as_cron, args=(registry, errors, barrier), name=f'push-{n}')
               for n in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not any(worker.is_alive() for worker in workers), 'a push run hung'
    assert not errors, f'a push run failed: {errors!r}'
    check_sent_once(registry, atlas, applicants)


def test_a_run_whose_snapshot_predates_another_runs_commit_sends_nothing_again(registry, atlas, applicants):
    """The worst interleaving, made certain: run B reads the pending batch, then run A sends it all and commits,
    then B goes on in the same transaction (same snapshot, where everything is still pending)."""
    with registry.cursor() as cr:
        env = environment(cr)
        context = cron_context(env)
        pending = env['res.partner'].search_count([('id', 'in', applicants), ('ncc_sync_state', '=', 'pending')])
        assert pending == APPLICATIONS  # B's snapshot is taken here

        errors = []
        first = threading.Thread(target=run_push_as_cron, args=(registry, errors), name='push-first')
        first.start()
        first.join(timeout=120)
        assert not errors, f'the first run failed: {errors!r}'
        assert atlas.count('POST', POST) == APPLICATIONS

        env['ncc.atlas.sync'].with_context(context)._cron_push()  # must neither fail nor send anything again
    check_sent_once(registry, atlas, applicants)
