"""The sandbox refuses what the Atlas refuses, from its own table of the contract, and shares no code with the
client: a client misreading the contract cannot pass because the sandbox misreads it the same way.

The documents here are written out by hand, over raw HTTP: neither the client's code nor the sandbox's builds them.
"""

import ast
import json
import os
import subprocess
import sys

import pytest
import requests
from conftest import ROOT, SANDBOX_KEY

from atlas_sandbox import ATTRIBUTES, NCC_STATES, RELATIONSHIPS, STATES

JSONAPI = 'application/vnd.api+json'


@pytest.fixture(autouse=True)
def default_quirks(sandbox):
    """These tests read the sandbox's default answers, whatever quirks the session runs with."""
    sandbox.set_quirks(None)

#: Spec §5 and §6, as written there: attribute -> (type, limit); relationship -> (vocabulary, many).
SPEC_ATTRIBUTES = {
    'title': ('text', 500), 'field_institution_name_in_nation': ('names', 400),
    'field_entity_department': ('text', 400), 'field_address': ('address', None),
    'field_general_contact_e_mail': ('email', 254), 'field_phone_number': ('text', 50),
    'field_url': ('link', 2048), 'field_registration_number': ('text', 100),
    'field_question_headquarter': ('bool', None), 'field_headquarter': ('text', 400),
    'field_question_subsidiaries': ('bool', None), 'field_subsidiaries_eu': ('text', 400),
    'field_question_majority': ('bool', None), 'field_majority_shares_noneu': ('text', 400),
    'field_article_136_compliance': ('bool', None), 'field_data_sharing_consent': ('bool', None),
    'field_first_name': ('text', 400), 'field_family_name': ('text', 400), 'field_e_mail': ('email', 254),
    'field_position': ('text', 400), 'field_representative_phone_numbe': ('text', 50),
    'field_field_of_activity_descr': ('text', 800), 'field_goals_to_achieve': ('text', 800),
    'field_goals_to_contribute': ('text', 800), 'moderation_state': ('state', None),
}
SPEC_RELATIONSHIPS = {
    'field_cluster_type': ('cluster_type', False), 'field_field_of_activity': ('fields_of_activity', True),
    'field_cluster_thematic_area': ('cluster_thematic_area', True), 'field_sectors': ('sectors', True),
    'field_technologies': ('technologies', True), 'field_use_cases': ('use_cases', True),
    'field_country': ('country', False),
}


def _post(sandbox, attributes=None, relationships=None, key=SANDBOX_KEY):
    data = {'type': 'node--cluster', 'attributes': {'title': 'Acme Cyber SA', **(attributes or {})}}
    if relationships is not None:
        data['relationships'] = relationships
    return requests.post(f'{sandbox.url}/node/cluster', data=json.dumps({'data': data}), timeout=10,
                         headers={'api-key': key, 'Content-Type': JSONAPI, 'Accept': JSONAPI})


def _refused(response, pointer, status=422):
    """A JSON:API error document naming ``pointer``, and nothing stored."""
    assert response.status_code == status, response.text
    assert response.headers['Content-Type'].startswith(JSONAPI)
    document = response.json()
    assert 'data' not in document and document['errors']
    for item in document['errors']:
        assert item['status'] == str(status) and item['title'] and item['detail']
    assert pointer in [item.get('source', {}).get('pointer') for item in document['errors']], document
    return document['errors']


def _accepted(response):
    assert response.status_code == 201, response.text
    return response.json()['data']


def _terms(sandbox, vocabulary):
    return [term['uuid'] for term in sandbox.store.terms(vocabulary)]


def _linkage(vocabulary, uuid):
    return {'type': f'taxonomy_term--{vocabulary}', 'id': uuid}


# ------------------------------------------------------------------------------------- the table is the spec's

def test_the_sandbox_table_is_the_spec_table():
    assert {name: (spec.kind, spec.limit) for name, spec in ATTRIBUTES.items()} == SPEC_ATTRIBUTES
    assert {name: (spec.vocabulary, spec.many) for name, spec in RELATIONSHIPS.items()} == SPEC_RELATIONSHIPS
    assert STATES == ('draft', 'ready_for_publication', 'to_be_rejected', 'published', 'revision_requested',
                      'rejected')
    assert NCC_STATES == ('draft', 'ready_for_publication', 'to_be_rejected')


def test_the_sandbox_imports_nothing_from_the_addon_or_odoo():
    code = ('import sys, atlas_sandbox, atlas_sandbox.__main__; '
            'print([m for m in sys.modules if m.startswith(("odoo", "ncc_atlas_connector"))])')
    env = {**os.environ, 'PYTHONPATH': str(ROOT)}
    result = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env=env, check=True,
                            cwd=ROOT / 'tests')
    assert result.stdout.strip() == '[]', result.stdout + result.stderr


def test_the_addon_ships_without_the_sandbox():
    from setuptools import find_packages

    addon = ROOT / 'ncc_atlas_connector'
    assert not [name for name in find_packages(addon) if 'sandbox' in name]  # what setup.py packages
    for path in addon.rglob('*.py'):
        if 'tests' in path.relative_to(addon).parts:
            continue  # the addon's own tests use the sandbox; production never loads them
        for node in ast.walk(ast.parse(path.read_text(encoding='utf-8'))):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else \
                [node.module or ''] if isinstance(node, ast.ImportFrom) else []
            assert not [name for name in names if 'sandbox' in name], f'{path} imports the sandbox'


# --------------------------------------------------------------------------------- limits, from the own table

def _at_most(name, kind, length):
    if kind == 'email':
        return 'a' * (length - len('@acme.example')) + '@acme.example'
    if kind == 'link':
        return {'uri': 'https://acme.example/' + 'p' * (length - len('https://acme.example/'))}
    return 'x' * length


@pytest.mark.parametrize('name', [name for name, spec in ATTRIBUTES.items() if spec.limit])
def test_every_limit_of_the_table_is_enforced(sandbox, name):
    spec = ATTRIBUTES[name]
    _accepted(_post(sandbox, {name: _at_most(name, spec.kind, spec.limit)}))
    errors = _refused(_post(sandbox, {name: _at_most(name, spec.kind, spec.limit + 1)}), f'/data/attributes/{name}')
    assert f'It should have {spec.limit} characters or less' in errors[0]['detail']
    assert len(sandbox.clusters()) == 1


@pytest.mark.parametrize('name', [name for name, spec in ATTRIBUTES.items() if spec.kind == 'bool'])
@pytest.mark.parametrize('value', ['true', 1, 0, 'no'])
def test_booleans_are_json_booleans(sandbox, name, value):
    _refused(_post(sandbox, {name: value}), f'/data/attributes/{name}')
    assert _accepted(_post(sandbox, {name: False}))['attributes'][name] is False


@pytest.mark.parametrize('name', [name for name, spec in ATTRIBUTES.items() if spec.kind in ('text', 'names')])
def test_texts_are_strings(sandbox, name):
    _refused(_post(sandbox, {name: 12345}), f'/data/attributes/{name}')


@pytest.mark.parametrize('name', list(RELATIONSHIPS))
def test_every_relationship_takes_only_its_own_vocabulary(sandbox, name):
    spec = RELATIONSHIPS[name]
    other = 'sectors' if spec.vocabulary != 'sectors' else 'technologies'
    foreign = _terms(sandbox, other)[0]
    own = _terms(sandbox, spec.vocabulary)[0]
    wrap = (lambda linkage: [linkage]) if spec.many else (lambda linkage: linkage)
    pointer = f'/data/relationships/{name}'
    _refused(_post(sandbox, relationships={name: {'data': wrap(_linkage(spec.vocabulary, foreign))}}), pointer)
    _refused(_post(sandbox, relationships={name: {'data': wrap(_linkage(other, own))}}), pointer)
    wrong_shape = _linkage(spec.vocabulary, own) if spec.many else [_linkage(spec.vocabulary, own)]
    _refused(_post(sandbox, relationships={name: {'data': wrong_shape}}), pointer)
    _accepted(_post(sandbox, relationships={name: {'data': wrap(_linkage(spec.vocabulary, own))}}))


# ------------------------------------------------------------- where the Atlas is stricter than a loose reading

@pytest.mark.parametrize(('name', 'value'), [
    # The address field knows ISO 3166-1 codes only: Greece is GR (EL is the EU's own code), the UK is GB.
    ('field_address', {'country_code': 'EL', 'locality': 'Athens', 'address_line1': '1 Odos'}),
    ('field_address', {'country_code': 'UK', 'locality': 'London', 'address_line1': '1 Street'}),
    ('field_address', {'country_code': 'XX', 'locality': 'Nowhere', 'address_line1': '1 Street'}),
    ('field_address', {'country_code': 'lu', 'locality': 'Luxembourg', 'address_line1': '1 rue'}),
    ('field_address', {'country_code': 'LU', 'locality': 'x' * 256}),
    # A link field takes an absolute http(s), ftp or feed URL with a host, nothing else with a scheme.
    ('field_url', {'uri': 'mailto:info@acme.example'}),
    ('field_url', {'uri': 'javascript:alert(1)'}),
    ('field_url', {'uri': 'www:acme.example'}),
    ('field_url', {'uri': 'https://'}),
    ('field_url', {'uri': 'https://acme example.eu'}),
    ('field_url', {'uri': 'https://acme.example', 'target': '_blank'}),
    # E-mail addresses as Drupal's validator reads them.
    ('field_e_mail', 'ada..lovelace@acme.example'),
    ('field_e_mail', '.ada@acme.example'),
    ('field_e_mail', 'ada@-acme.example'),
    ('field_e_mail', 'ada@acme'),
    ('field_general_contact_e_mail', ' info@acme.example'),
    ('field_institution_name_in_nation', ['Acme', 7]),
])
def test_values_the_atlas_refuses(sandbox, name, value):
    _refused(_post(sandbox, {name: value}), f'/data/attributes/{name}')
    assert sandbox.clusters() == []


@pytest.mark.parametrize(('name', 'value'), [
    ('field_address', {'country_code': 'GR', 'locality': 'Athens', 'address_line1': '1 Odos'}),
    ('field_address', {'country_code': 'XK', 'locality': 'Pristina'}),  # Kosovo; a partial address is held
    ('field_url', {'uri': 'http://localhost:8069/web'}),
    ('field_url', {'uri': 'ftp://files.acme.example/'}),
    ('field_e_mail', 'ada.lovelace+ncc@acme.co.uk'),
    ('field_institution_name_in_nation', ['Acme SA', 'Acme AG']),  # the Atlas may hold several national names
])
def test_values_the_atlas_takes(sandbox, name, value):
    _accepted(_post(sandbox, {name: value}))


def test_errors_name_every_refused_field_at_once(sandbox):
    errors = _refused(_post(sandbox, {'field_phone_number': '0' * 51, 'field_e_mail': 'nope', 'changed_by': 'x'},
                            {'field_sectors': {'data': [_linkage('sectors', _terms(sandbox, 'technologies')[0])]}}),
                      '/data/attributes/field_phone_number')
    assert {item['source']['pointer'] for item in errors} == {
        '/data/attributes/field_phone_number', '/data/attributes/field_e_mail', '/data/attributes/changed_by',
        '/data/relationships/field_sectors'}


def test_the_states_an_ncc_key_may_set(sandbox):
    for state in STATES:
        response = _post(sandbox, {'moderation_state': state})
        if state in NCC_STATES:
            assert _accepted(response)['attributes']['moderation_state'] == state
        else:
            assert 'this key may set only' in _refused(response, '/data/attributes/moderation_state')[0]['detail']
    _refused(_post(sandbox, {'moderation_state': 'archived'}), '/data/attributes/moderation_state')
    _refused(_post(sandbox, {'title': '   '}), '/data/attributes/title')
    _refused(_post(sandbox, {'created': '2020-01-01T00:00:00+00:00'}), '/data/attributes/created', 403)
