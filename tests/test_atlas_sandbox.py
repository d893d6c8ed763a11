"""The sandbox on its own, over raw HTTP: its strictness, auth, pagination, filters, persistence, reviewer, faults."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from conftest import ROOT, SANDBOX_KEY, SANDBOX_REVIEWER_KEY

from atlas_sandbox import FaultInjector, FaultPlan, Sandbox

JSONAPI = 'application/vnd.api+json'
MISSING = '11111111-2222-4333-8444-555555555555'


@pytest.fixture(autouse=True)
def default_quirks(sandbox):
    """These tests read the sandbox's default answers, whatever quirks the session runs with."""
    sandbox.set_quirks(None)


def _terms(sandbox, vocabulary):
    return [term['uuid'] for term in sandbox.store.terms(vocabulary)]


def _values(sandbox, **overrides):
    return {
        'title': 'Acme Cyber SA', 'field_institution_name_in_nation': 'Acme Cyber SA (FR)',
        'field_address': {'country_code': 'LU', 'locality': 'Luxembourg', 'address_line1': '1 rue de la Gare'},
        'field_url': 'https://acme.example', 'field_registration_number': 'B123456',
        'field_question_headquarter': True, 'field_cluster_type': _terms(sandbox, 'cluster_type')[0],
        'field_sectors': _terms(sandbox, 'sectors')[:2], **overrides,
    }


def build_create(values):
    """A create document written out by hand from plain values (neither the client's code nor the sandbox's)."""
    vocabularies = {'field_cluster_type': 'cluster_type', 'field_sectors': 'sectors', 'field_country': 'country'}
    attributes, relationships = {}, {}
    for name, value in values.items():
        if value is None:
            continue
        if name == 'field_cluster_type' or name == 'field_country':
            relationships[name] = {'data': {'type': f'taxonomy_term--{vocabularies[name]}', 'id': value}}
        elif name == 'field_sectors':
            relationships[name] = {'data': [{'type': 'taxonomy_term--sectors', 'id': uuid} for uuid in value]}
        else:
            attributes[name] = {'uri': value} if name == 'field_url' else value
    return {'data': {'type': 'node--cluster', 'attributes': attributes, 'relationships': relationships}}


class Api:
    """A bare JSON:API caller (no client logic), to see what the sandbox answers."""

    def __init__(self, sandbox, key=SANDBOX_KEY, **kwargs):
        self.sandbox, self.key, self.kwargs = sandbox, key, kwargs

    def __call__(self, method, path, body=None, params=None, headers=None, key=...):
        key = self.key if key is ... else key
        all_headers = {'Accept': JSONAPI, **({'api-key': key} if key else {}), **(headers or {})}
        data = None
        if body is not None:
            all_headers.setdefault('Content-Type', JSONAPI)
            data = json.dumps(body)
        return requests.request(method, self.sandbox.url + path, data=data, params=params, headers=all_headers,
                                timeout=10, **self.kwargs)

    def create(self, **overrides):
        response = self('POST', '/node/cluster', build_create(_values(self.sandbox, **overrides)))
        assert response.status_code == 201, response.text
        return response.json()['data']

    def patch(self, uuid, attributes=None, relationships=None, key=...):
        data = {'type': 'node--cluster', 'id': uuid, 'attributes': attributes or {}}
        if relationships is not None:
            data['relationships'] = relationships
        return self('PATCH', f'/node/cluster/{uuid}', {'data': data}, key=key)


@pytest.fixture
def api(sandbox):
    return Api(sandbox)


def _refusal(response, status, pointer=None):
    assert response.status_code == status, response.text
    assert response.headers['Content-Type'].startswith(JSONAPI)
    errors = response.json()['errors']
    assert all(error['status'] == str(status) for error in errors)
    if pointer:
        assert pointer in [error.get('source', {}).get('pointer') for error in errors], errors
    return errors


# ----------------------------------------------------------------------------------------------- auth

def test_root_names_the_key_owner(sandbox, api):
    document = api('GET', '').json()
    assert document['meta']['links']['me']['meta']['id'] == sandbox.ncc_user_uuid
    assert 'node--cluster' in document['links']
    reviewer = Api(sandbox, SANDBOX_REVIEWER_KEY)('GET', '').json()
    assert reviewer['meta']['links']['me']['meta']['id'] == sandbox.reviewer_user_uuid


def test_key_transports_and_failures(sandbox, api):
    assert api('GET', '', key=None, params={'api-key': SANDBOX_KEY}).status_code == 200
    _refusal(api('GET', '', key=None), 401)
    _refusal(api('GET', '/node/cluster', key='wrong'), 403)
    _refusal(api('GET', '', key=None, params={'api-key': 'wrong'}), 403)
    assert api('GET', '').status_code == 200


def test_basic_gate():
    with Sandbox(api_key=SANDBOX_KEY, basic=('user', 'pw'), reviewer_key='reviewer-1') as sandbox:
        response = Api(sandbox)('GET', '')
        assert response.status_code == 401 and response.headers['WWW-Authenticate'].startswith('Basic')
        assert response.headers['Content-Type'].startswith('text/html')
        assert Api(sandbox, auth=('user', 'nope'))('GET', '').status_code == 401
        assert Api(sandbox, auth=('user', 'pw'))('GET', '').status_code == 200
        assert Api(sandbox, key=None, auth=('user', 'pw'))('GET', '').status_code == 401  # Basic is not the key


# -------------------------------------------------------------------------------------------- strictness

def test_create_answers_201_with_the_resource(sandbox, api):
    data = api.create()
    assert data['type'] == 'node--cluster' and data['attributes']['moderation_state'] == 'draft'
    assert data['attributes']['field_url'] == {'uri': 'https://acme.example', 'title': '', 'options': []}
    assert data['relationships']['field_country']['data']['id'] == sandbox.store.country_by_iso('LU')
    assert data['relationships']['uid']['data']['id'] == sandbox.ncc_user_uuid
    assert data['attributes']['field_address']['postal_code'] is None  # Drupal returns every address property


@pytest.mark.parametrize(('attributes', 'pointer'), [
    ({'field_unknown': 'x'}, '/data/attributes/field_unknown'),
    ({'field_question_majority': 'no'}, '/data/attributes/field_question_majority'),
    ({'field_phone_number': 35212345}, '/data/attributes/field_phone_number'),
    ({'title': 'x' * 501}, '/data/attributes/title'),
    ({'field_position': 'x' * 401}, '/data/attributes/field_position'),
    ({'field_goals_to_contribute': 'x' * 801}, '/data/attributes/field_goals_to_contribute'),
    ({'field_registration_number': 'x' * 101}, '/data/attributes/field_registration_number'),
    ({'field_e_mail': 'ada.example'}, '/data/attributes/field_e_mail'),
    ({'field_url': {'uri': 'acme.example'}}, '/data/attributes/field_url'),
    ({'field_url': 'https://acme.example'}, '/data/attributes/field_url'),
    ({'field_address': {'country_code': 'Luxembourg'}}, '/data/attributes/field_address'),
    ({'moderation_state': 'archived'}, '/data/attributes/moderation_state'),
])
def test_422_on_bad_attributes(sandbox, api, attributes, pointer):
    document = build_create(_values(sandbox))
    document['data']['attributes'].update(attributes)
    _refusal(api('POST', '/node/cluster', document), 422, pointer)
    assert sandbox.clusters() == []


def test_422_on_a_missing_title(sandbox, api):
    document = build_create(_values(sandbox, title=None))
    errors = _refusal(api('POST', '/node/cluster', document), 422, '/data/attributes/title')
    assert errors[0]['detail'] == 'title: This value should not be null.'
    uuid = api.create()['id']
    _refusal(api.patch(uuid, {'title': None}), 422, '/data/attributes/title')
    _refusal(api.patch(uuid, {'title': '  '}), 422, '/data/attributes/title')
    assert api.patch(uuid, {'field_position': 'CISO'}).status_code == 200  # a PATCH may leave the title out


@pytest.mark.parametrize('case', ['unknown', 'other vocabulary', 'wrong type', 'list for one', 'object for many',
                                  'unknown relationship', 'owner'])
def test_422_on_bad_relationships(sandbox, api, case):
    sector, technology = _terms(sandbox, 'sectors')[0], _terms(sandbox, 'technologies')[0]
    name, value = {
        'unknown': ('field_sectors', {'data': [{'type': 'taxonomy_term--sectors', 'id': MISSING}]}),
        'other vocabulary': ('field_sectors', {'data': [{'type': 'taxonomy_term--sectors', 'id': technology}]}),
        'wrong type': ('field_sectors', {'data': [{'type': 'taxonomy_term--technologies', 'id': sector}]}),
        'list for one': ('field_cluster_type', {'data': [{'type': 'taxonomy_term--cluster_type',
                                                          'id': _terms(sandbox, 'cluster_type')[0]}]}),
        'object for many': ('field_sectors', {'data': {'type': 'taxonomy_term--sectors', 'id': sector}}),
        'unknown relationship': ('field_planets', {'data': []}),
        'owner': ('uid', {'data': {'type': 'user--user', 'id': MISSING}}),
    }[case]
    document = build_create(_values(sandbox))
    document['data'].setdefault('relationships', {})[name] = value
    _refusal(api('POST', '/node/cluster', document), 422, f'/data/relationships/{name}')


def test_read_only_attributes_wrong_type_and_media_type(sandbox, api):
    document = build_create(_values(sandbox))
    document['data']['attributes']['changed'] = '2020-01-01T00:00:00+00:00'
    _refusal(api('POST', '/node/cluster', document), 403, '/data/attributes/changed')
    document = build_create(_values(sandbox))
    document['data']['type'] = 'node--article'
    _refusal(api('POST', '/node/cluster', document), 409)
    _refusal(api('POST', '/node/cluster', build_create(_values(sandbox)),
                 headers={'Content-Type': 'application/json'}), 415)
    _refusal(api('POST', '/node/cluster', None, headers={'Content-Type': JSONAPI}), 400)
    response = requests.post(sandbox.url + '/node/cluster', data='{"data": ', timeout=5,
                             headers={'api-key': SANDBOX_KEY, 'Content-Type': JSONAPI})
    _refusal(response, 400)
    assert sandbox.clusters() == []


def test_patch_rules(sandbox, api):
    uuid = api.create()['id']
    _refusal(api('PATCH', f'/node/cluster/{uuid}', {'data': {'type': 'node--cluster', 'id': MISSING}}), 400)
    _refusal(api.patch(MISSING), 404)
    _refusal(api('DELETE', f'/node/cluster/{uuid}'), 405)
    foreign = sandbox.add_cluster(_values(sandbox, title='Foreign'), owner='0f0e0d0c-0b0a-4909-8807-060504030201')
    _refusal(api.patch(foreign, {'field_position': 'x'}), 403)
    assert api.patch(foreign, {'field_position': 'x'}, key=SANDBOX_REVIEWER_KEY).status_code == 200


def test_moderation_state_rules(sandbox, api):
    uuid = api.create()['id']
    pointer = '/data/attributes/moderation_state'
    errors = _refusal(api.patch(uuid, {'moderation_state': 'draft'}), 422, pointer)
    assert 'already in this state' in errors[0]['detail']
    for state in ('published', 'revision_requested', 'rejected'):
        _refusal(api.patch(uuid, {'moderation_state': state}), 422, pointer)
    _refusal(api.patch(uuid, {'moderation_state': None}), 422, pointer)
    for state in ('ready_for_publication', 'to_be_rejected', 'draft'):
        response = api.patch(uuid, {'moderation_state': state})
        assert response.json()['data']['attributes']['moderation_state'] == state
    response = api.patch(uuid, {'moderation_state': 'published'}, key=SANDBOX_REVIEWER_KEY)
    assert response.json()['data']['attributes']['moderation_state'] == 'published'
    _refusal(api('POST', '/node/cluster', build_create(_values(sandbox, moderation_state='published'))), 422, pointer)
    created = api('POST', '/node/cluster', build_create(_values(sandbox, moderation_state='ready_for_publication')))
    assert created.json()['data']['attributes']['moderation_state'] == 'ready_for_publication'


def test_changed_moves_on_every_write(sandbox, api):
    data = api.create()
    uuid, stamps = data['id'], [data['attributes']['changed']]
    for i in range(25):
        stamps.append(api.patch(uuid, {'field_position': f'P{i % 2}'}).json()['data']['attributes']['changed'])
    stamps.append(sandbox.publish(uuid)['changed'])
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    assert data['attributes']['created'] == api('GET', f'/node/cluster/{uuid}').json()['data']['attributes']['created']


def test_concurrent_writes(sandbox, api):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        created = list(pool.map(lambda i: api.create(title=f'Parallel {i}'), range(24)))
    stamps = [item['attributes']['changed'] for item in created]
    assert len(set(stamps)) == 24 and len(sandbox.clusters()) == 24
    uuid = created[0]['id']
    with ThreadPoolExecutor(4) as pool:
        statuses = sorted(pool.map(lambda _: api.patch(uuid, {'moderation_state': 'ready_for_publication'})
                                   .status_code, range(4)))
    assert statuses == [200, 422, 422, 422]  # the state rule holds under concurrency


# ------------------------------------------------------------------------------------------ read-back quirks

def test_read_back_quirks(sandbox, api):
    created = [api.create(title='One'), api.create(title='Two')]
    odd, even = (item['id'] for item in sorted(created, key=lambda item: item['attributes']['drupal_internal__nid'] % 2,
                                                reverse=True))
    read = {uuid: api('GET', f'/node/cluster/{uuid}').json()['data'] for uuid in (odd, even)}
    assert read[odd]['attributes']['field_institution_name_in_nation'] == ['Acme Cyber SA (FR)']
    assert read[even]['attributes']['field_institution_name_in_nation'] == 'Acme Cyber SA (FR)'
    assert read[odd]['relationships']['field_country']['data']['type'] == 'taxonomy_term--country'
    assert read[odd]['relationships']['field_technologies'] == {'data': []}


def test_url_as_string_and_thematic_parents_options():
    with Sandbox(api_key=SANDBOX_KEY, reviewer_key='r-1', url_as_string='always', name_in_nation_as_list='never',
                 flat_thematic_areas=False) as sandbox:
        api = Api(sandbox)
        data = api.create()
        assert data['attributes']['field_url'] == 'https://acme.example'
        assert data['attributes']['field_institution_name_in_nation'] == 'Acme Cyber SA (FR)'
        terms = api('GET', '/taxonomy_term/cluster_thematic_area', params={'page[limit]': 50}).json()['data']
        assert any(term['relationships']['parent']['data'][0]['id'] != 'virtual' for term in terms)


def test_thematic_areas_are_flat_by_default(sandbox, api):
    terms = api('GET', '/taxonomy_term/cluster_thematic_area', params={'page[limit]': 50}).json()['data']
    assert {term['relationships']['parent']['data'][0]['id'] for term in terms} == {'virtual'}
    sectors = api('GET', '/taxonomy_term/sectors').json()['data']
    assert {term['relationships']['parent']['data'][0]['id'] for term in sectors} == {'virtual'}
    _refusal(api('GET', '/taxonomy_term/planets'), 404)
    term = api('GET', f'/taxonomy_term/sectors/{sectors[0]["id"]}').json()['data']
    assert term['attributes']['name'] == sectors[0]['attributes']['name']


# ---------------------------------------------------------------------------------- pagination and filters

def test_pagination_is_capped_at_50(sandbox, api):
    response = api('GET', '/taxonomy_term/cluster_thematic_area', params={'page[limit]': 500})
    document = response.json()
    assert len(document['data']) == 50 and 'page%5Boffset%5D=50' in document['links']['next']['href']
    seen, url, pages = [], document['links']['next']['href'], 1
    seen += [term['id'] for term in document['data']]
    while url:
        document = requests.get(url, headers={'api-key': SANDBOX_KEY}, timeout=5).json()
        seen += [term['id'] for term in document['data']]
        url = document['links'].get('next', {}).get('href')
        pages += 1
    assert pages == 4 and len(seen) == len(set(seen)) == 165
    last = api('GET', '/taxonomy_term/cluster_thematic_area', params={'page[offset]': 160}).json()
    assert len(last['data']) == 5 and 'next' not in last['links'] and 'prev' in last['links']
    _refusal(api('GET', '/taxonomy_term/sectors', params={'page[limit]': 'ten'}), 400)


def test_next_link_repeats_the_query_key(sandbox, api):
    document = api('GET', '/taxonomy_term/cluster_thematic_area', key=None, params={'api-key': SANDBOX_KEY}).json()
    assert f'api-key={SANDBOX_KEY}' in document['links']['next']['href']  # as Drupal does: the client must cope


def test_filters(sandbox, api):
    lu, de = sandbox.store.country_by_iso('LU'), sandbox.store.country_by_iso('DE')
    first = api.create(title='Alpha', field_registration_number='R1')['id']
    second = api.create(title='Beta', field_registration_number='R2',
                        field_address={'country_code': 'DE', 'locality': 'Bonn', 'address_line1': 'Str. 1'})['id']
    other = sandbox.add_cluster(_values(sandbox, title='Gamma', field_registration_number='R1'),
                                owner='0f0e0d0c-0b0a-4909-8807-060504030201', state='published')

    def ids(params):
        response = api('GET', '/node/cluster', params=params)
        assert response.status_code == 200, response.text
        return sorted(item['id'] for item in response.json()['data'])

    assert ids({'filter[reg][path]': 'field_registration_number', 'filter[reg][operator]': '=',
                'filter[reg][value]': 'R1', 'filter[ctry][path]': 'field_country.id',
                'filter[ctry][operator]': '=', 'filter[ctry][value]': lu}) == sorted([first, other])
    assert ids({'filter[field_country.id]': de}) == [second]
    assert ids({'filter[uid.id][value]': sandbox.ncc_user_uuid}) == sorted([first, second])
    assert ids({'filter[title]': 'Beta'}) == [second]
    assert ids({'filter[x][condition][path]': 'id', 'filter[x][condition][operator]': 'IN',
                'filter[x][condition][value][]': [first, other, MISSING]}) == sorted([first, other])
    assert ids({'filter[s][path]': 'moderation_state', 'filter[s][value]': 'published'}) == [other]
    assert ids({'filter[t][path]': 'title', 'filter[t][operator]': 'CONTAINS', 'filter[t][value]': 'alp'}) == [first]
    assert ids({'filter[a][path]': 'field_address.country_code', 'filter[a][value]': 'DE'}) == [second]
    assert ids({'filter[h][path]': 'field_question_headquarter', 'filter[h][value]': '1'}) == sorted(
        [first, second, other])
    assert ids({'filter[sec][path]': 'field_sectors.id', 'filter[sec][value]': _terms(sandbox, 'sectors')[1]}) == \
        sorted([first, second, other])
    sorted_titles = [item['attributes']['title'] for item in
                     api('GET', '/node/cluster', params={'sort': '-title'}).json()['data']]
    assert sorted_titles == ['Gamma', 'Beta', 'Alpha']
    _refusal(api('GET', '/node/cluster', params={'filter[nope][value]': 'x'}), 400)
    _refusal(api('GET', '/node/cluster', params={'filter[t][path]': 'title', 'filter[t][operator]': 'LIKE',
                                                 'filter[t][value]': 'x'}), 400)


# ---------------------------------------------------------------------------------------- persistence

def test_persistence_across_restarts(tmp_path):
    db = tmp_path / 'atlas.sqlite3'
    with Sandbox(db=db, api_key=SANDBOX_KEY, reviewer_key='r-1') as sandbox:
        data = Api(sandbox).create()
        owner = sandbox.ncc_user_uuid
    with Sandbox(db=db, api_key=SANDBOX_KEY, reviewer_key='r-1') as sandbox:
        assert sandbox.ncc_user_uuid == owner
        read = Api(sandbox)('GET', f'/node/cluster/{data["id"]}').json()['data']
        assert read['attributes']['title'] == data['attributes']['title']
        patched = Api(sandbox).patch(data['id'], {'title': 'Renamed'}).json()['data']
        assert patched['attributes']['changed'] > data['attributes']['changed']
        assert len(sandbox.store.terms('cluster_thematic_area')) == 165  # seeding again added no duplicates
    with Sandbox(db=db, api_key='another-key', reviewer_key='r-1') as sandbox:
        assert sandbox.ncc_user_uuid == owner  # the owner of the stored records stays
        assert [c['title'] for c in sandbox.clusters()] == ['Renamed']


# --------------------------------------------------------------------------------------------- reviewer

def test_reviewer_actions_in_python(sandbox, api):
    uuid = api.create()['id']
    assert sandbox.request_revision(uuid, 'Please add the VAT number.')['moderation_state'] == 'revision_requested'
    read = api('GET', f'/node/cluster/{uuid}').json()['data']['attributes']
    assert read['moderation_state'] == 'revision_requested' and read['revision_log'] == 'Please add the VAT number.'
    assert sandbox.publish(uuid)['moderation_state'] == 'published'
    assert api('GET', f'/node/cluster/{uuid}').json()['data']['attributes']['status'] is True
    assert sandbox.reject(uuid)['moderation_state'] == 'rejected'
    with pytest.raises(KeyError):
        sandbox.publish(MISSING)
    assert sandbox.stats()['clusters']['by_state'] == {'rejected': 1}


def test_reviewer_endpoints_over_http(sandbox, api):
    uuid = api.create()['id']
    base = sandbox.url.removesuffix('/jsonapi') + '/_sandbox'
    as_reviewer = {'x-reviewer-key': SANDBOX_REVIEWER_KEY}
    assert requests.post(f'{base}/clusters/{uuid}/publish', timeout=5).status_code == 401
    assert requests.post(f'{base}/clusters/{uuid}/publish', headers={'api-key': SANDBOX_KEY},
                         timeout=5).status_code == 403
    response = requests.post(f'{base}/clusters/{uuid}/request_revision', json={'message': 'Fix the URL'},
                             headers=as_reviewer, timeout=5)
    assert response.json()['cluster']['moderation_state'] == 'revision_requested'
    response = requests.post(f'{base}/clusters/{uuid}/publish', params={'key': SANDBOX_REVIEWER_KEY}, timeout=5)
    assert response.json()['cluster']['moderation_state'] == 'published'
    assert requests.post(f'{base}/clusters/{MISSING}/reject', headers=as_reviewer, timeout=5).status_code == 404
    assert requests.get(base, headers=as_reviewer, timeout=5).json()['endpoints']
    stats = requests.get(f'{base}/stats', headers=as_reviewer, timeout=5).json()
    assert {'method': 'POST', 'path': '/jsonapi/node/cluster', 'status': '201', 'count': 1} in stats['routes']
    clusters = requests.get(f'{base}/clusters', headers=as_reviewer, timeout=5).json()['clusters']
    assert [c['moderation_state'] for c in clusters] == ['published']
    recorded = requests.get(f'{base}/requests', params={'method': 'POST'}, headers=as_reviewer, timeout=5).json()
    assert recorded['requests'][0]['body']['data']['attributes']['title'] == 'Acme Cyber SA'
    assert requests.post(f'{base}/reset', headers=as_reviewer, timeout=5).json() == {'reset': True}
    assert sandbox.clusters() == [] and sandbox.stats()['total'] == 0


def test_stats(sandbox, api):
    uuid = api.create()['id']
    api('GET', f'/node/cluster/{uuid}')
    api('GET', f'/node/cluster/{MISSING}')
    api.patch(uuid, {'moderation_state': 'draft'})
    stats = sandbox.stats()
    assert stats['total'] == 4
    assert sandbox.count('GET', '/jsonapi/node/cluster/<id>') == 2
    assert sandbox.count('GET', '/jsonapi/node/cluster/<id>', 404) == 1
    assert sandbox.count('PATCH', status=422) == 1
    assert stats['clusters'] == {'total': 1, 'by_state': {'draft': 1}}


# ----------------------------------------------------------------------------------------------- faults

def test_fault_plans_are_reproducible():
    plan = {'rate': 0.5, 'kinds': {'429': 1, '503': 1, 'reset': 1, 'drop_after_write': 1}}
    draws = []
    for _ in range(2):
        injector = FaultInjector(plan, seed=42)
        draws.append([injector.decide(method, '/node/cluster') for method in ['GET', 'POST', 'PATCH'] * 30])
    assert draws[0] == draws[1]
    assert {'429', '503', 'reset', 'drop_after_write', None} == set(draws[0])
    assert all(kind != 'drop_after_write' for kind in draws[0][0::3])  # never on a GET
    with pytest.raises(ValueError):
        FaultPlan.parse({'kinds': {'meteor': 1}})
    assert FaultPlan.parse('{"rate": 0.1, "kinds": {"drop": 1}}').kinds == {'drop_after_write': 1.0}


def test_fault_plan_at_start_and_over_http(sandbox, api):
    with Sandbox(api_key=SANDBOX_KEY, reviewer_key='r-1', faults={'rate': 1, 'kinds': {'503': 1}}) as faulty:
        response = Api(faulty)('GET', '')
        assert response.status_code == 503 and response.headers['Retry-After'] == '1'
        base = faulty.url.removesuffix('/jsonapi') + '/_sandbox'
        assert requests.get(f'{base}/faults', params={'key': 'r-1'}, timeout=5).status_code == 200  # never faulted
        response = requests.put(f'{base}/faults', json={'rate': 1, 'kinds': {'429': 1}, 'only_methods': ['POST']},
                                params={'key': 'r-1', 'seed': '3'}, timeout=5)
        assert response.json()['plan']['kinds'] == {'429': 1.0}
        assert Api(faulty)('GET', '').status_code == 200
        assert Api(faulty)('POST', '/node/cluster', build_create(_values(faulty))).status_code == 429
        response = requests.post(f'{base}/faults/force', json={'kind': '502', 'count': 2}, params={'key': 'r-1'},
                                 timeout=5)
        assert response.json()['forced'] == [{'kind': '502', 'count': 2, 'methods': None}]
        assert [Api(faulty)('GET', '').status_code for _ in range(3)] == [502, 502, 200]
        assert faulty.stats()['faults'] == {'503': 1, '429': 1, '502': 2}
        assert requests.put(f'{base}/faults', json={'rate': 2}, params={'key': 'r-1'}, timeout=5).status_code == 422


def test_fault_kinds_over_http(sandbox, api):
    sandbox.set_faults({'latency_ms': 0, 'slow_ms': 300})
    sandbox.force_fault('latency')
    started = time.monotonic()
    assert api('GET', '').status_code == 200 and time.monotonic() - started >= 0.3
    for kind, status in (('500', 500), ('504', 504), ('error_in_2xx', 200)):
        sandbox.force_fault(kind)
        assert api('GET', '').status_code == status
    sandbox.force_fault('html_400')
    response = api('POST', '/node/cluster', build_create(_values(sandbox)))
    assert response.status_code == 400 and response.headers['Content-Type'].startswith('text/html')
    sandbox.force_fault('empty_400')
    response = api('POST', '/node/cluster', build_create(_values(sandbox)))
    assert response.status_code == 400 and response.content == b''
    assert sandbox.clusters() == []  # not handled
    sandbox.force_fault('reset')
    with pytest.raises(requests.ConnectionError):
        api('GET', '')
    sandbox.force_fault('drop_after_write')  # waits for a write
    assert api('GET', '').status_code == 200
    with pytest.raises(requests.ConnectionError):
        api('POST', '/node/cluster', build_create(_values(sandbox)))
    assert len(sandbox.clusters()) == 1  # applied, answer lost
    sandbox.force_fault('malformed')
    with pytest.raises(ValueError):
        api('GET', '').json()
    assert [entry['status'] for entry in sandbox.requests()][-2:] == ['dropped', '200 malformed']


def test_seeded_random_faults_hit_some_requests(sandbox, api):
    sandbox.set_faults({'rate': 0.5, 'kinds': {'503': 1, '429': 1}}, seed=11)
    statuses = [api('GET', '/taxonomy_term/sectors').status_code for _ in range(30)]
    assert set(statuses) == {200, 429, 503}
    sandbox.set_faults({'rate': 0.5, 'kinds': {'503': 1, '429': 1}}, seed=11)
    assert [api('GET', '/taxonomy_term/sectors').status_code for _ in range(30)] == statuses


# --------------------------------------------------------------------------------------------------- CLI

def test_command_line(tmp_path):
    # python -m atlas_sandbox, with only the checkout on the path: the sandbox needs neither Odoo nor the addon's code
    env = {**os.environ, 'PYTHONPATH': str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, '-m', 'atlas_sandbox', '--port', '0', '--db', str(tmp_path / 'cli.sqlite3'),
         '--key', 'cli-key', '--reviewer-key', 'cli-reviewer', '--faults', '{"latency_ms": 1}',
         '--quirks', '{"url_as_string": "always"}'],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    try:
        first = process.stdout.readline()
        assert first.startswith('Atlas sandbox serving http://127.0.0.1:'), first + process.stderr.read()
        url = first.split()[-1]
        banner = ''.join(process.stdout.readline() for _ in range(4))
        assert 'cli-key' in banner and 'cli-reviewer' in banner
        response = requests.get(url, headers={'api-key': 'cli-key'}, timeout=5)
        assert response.status_code == 200 and response.json()['meta']['links']['me']['meta']['id']
        quirks = requests.get(url.removesuffix('/jsonapi') + '/_sandbox/quirks', params={'key': 'cli-reviewer'},
                              timeout=5).json()
        assert quirks['url_as_string'] == 'always' and quirks['name_in_nation_as_list'] == 'odd'
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert process.returncode == 0
    assert Path(tmp_path / 'cli.sqlite3').exists()
    refused = subprocess.run([sys.executable, '-m', 'atlas_sandbox', '--quirks', '{"url_as_string": "daily"}'],
                             capture_output=True, text=True, env=env, cwd=tmp_path, timeout=30)
    assert refused.returncode == 2 and refused.stderr.startswith('--quirks: ')
