"""Each read-back quirk of the Atlas (spec §4) is served when it is on and not when it is off; they are chosen at
start, by node id or page, and changed while the sandbox runs (in Python and over HTTP)."""

import pytest
import requests
from conftest import SANDBOX_KEY, SANDBOX_REVIEWER_KEY

from atlas_sandbox import Quirks, Sandbox

JSONAPI = 'application/vnd.api+json'
HEADERS = {'api-key': SANDBOX_KEY, 'Accept': JSONAPI}
ADDRESS = {'country_code': 'LU', 'locality': 'Esch-sur-Alzette', 'address_line1': '2 rue de Belval'}


def _values(sandbox, i=0, **overrides):
    return {'title': f'Quirk {i}', 'field_institution_name_in_nation': f'Quirk {i} (LU)', 'field_address': ADDRESS,
            'field_url': f'https://q{i}.example.eu', 'field_registration_number': f'Q{i:04d}',
            'field_cluster_type': sandbox.store.terms('cluster_type')[0]['uuid'], **overrides}


def _get(sandbox, path, params=None):
    response = requests.get(sandbox.url + path, params=params, headers=HEADERS, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def _read(sandbox, uuid):
    return _get(sandbox, f'/node/cluster/{uuid}')['data']['attributes']


def _only(sandbox, quirk, mode='always'):
    sandbox.set_quirks({'*': 'never', quirk: mode})


def test_url_as_string(sandbox):
    uuid = sandbox.add_cluster(_values(sandbox))
    _only(sandbox, 'url_as_string')
    assert _read(sandbox, uuid)['field_url'] == 'https://q0.example.eu'
    _only(sandbox, 'url_as_string', 'never')
    assert _read(sandbox, uuid)['field_url'] == {'uri': 'https://q0.example.eu', 'title': '', 'options': []}


def test_several_national_names_as_a_list(sandbox):
    several = sandbox.add_cluster(_values(sandbox, field_institution_name_in_nation=['Quirk SA', 'Quirk AG']))
    one = sandbox.add_cluster(_values(sandbox, 1))
    none = sandbox.add_cluster(_values(sandbox, 2, field_institution_name_in_nation=None))
    _only(sandbox, 'name_in_nation_as_list')
    assert _read(sandbox, several)['field_institution_name_in_nation'] == ['Quirk SA', 'Quirk AG']
    assert _read(sandbox, one)['field_institution_name_in_nation'] == ['Quirk 1 (LU)']
    assert _read(sandbox, none)['field_institution_name_in_nation'] == []
    _only(sandbox, 'name_in_nation_as_list', 'never')
    assert _read(sandbox, one)['field_institution_name_in_nation'] == 'Quirk 1 (LU)'
    assert _read(sandbox, none)['field_institution_name_in_nation'] is None
    # Several names held are served all, as a list, with the quirk off too: none is dropped.
    assert _read(sandbox, several)['field_institution_name_in_nation'] == ['Quirk SA', 'Quirk AG']
    sandbox.edit_cluster(several, {'field_institution_name_in_nation': 'Quirk SA'})  # the Atlas holds one again
    assert _read(sandbox, several)['field_institution_name_in_nation'] == 'Quirk SA'
    assert sandbox.cluster(one)['field_institution_name_in_nation'] == 'Quirk 1 (LU)'


def test_partial_address(sandbox):
    full = sandbox.add_cluster(_values(sandbox))
    held = sandbox.add_cluster(_values(sandbox, 1, field_address={'country_code': 'LU', 'locality': 'Wiltz'}))
    _only(sandbox, 'partial_address')
    assert _read(sandbox, held)['field_address'] == {'country_code': 'LU', 'locality': 'Wiltz'}
    assert _read(sandbox, full)['field_address'] == ADDRESS  # what it holds, nothing hidden
    _only(sandbox, 'partial_address', 'never')
    address = _read(sandbox, held)['field_address']
    assert (address['country_code'], address['locality'], address['address_line1']) == ('LU', 'Wiltz', None)
    assert len(address) == 14 and address['postal_code'] is None  # Drupal's every property, null when unset
    address = _read(sandbox, full)['field_address']
    assert {key: address[key] for key in ADDRESS} == ADDRESS and address['postal_code'] is None


def test_missing_changed_in_listings(sandbox):
    uuid = sandbox.add_cluster(_values(sandbox))
    _only(sandbox, 'missing_changed')
    [listed] = _get(sandbox, '/node/cluster')['data']
    assert 'changed' not in listed['attributes'] and listed['attributes']['title'] == 'Quirk 0'
    assert _read(sandbox, uuid)['changed'] == sandbox.cluster(uuid)['changed']  # reading one has it
    _only(sandbox, 'missing_changed', 'never')
    assert _get(sandbox, '/node/cluster')['data'][0]['attributes']['changed'] == sandbox.cluster(uuid)['changed']


def test_per_node_id_modes(sandbox):
    uuids = [sandbox.add_cluster(_values(sandbox, i)) for i in range(4)]
    nids = {uuid: sandbox.cluster(uuid)['nid'] for uuid in uuids}
    sandbox.set_quirks({'*': 'never', 'url_as_string': 'odd', 'missing_changed': 'even'})
    for resource in _get(sandbox, '/node/cluster')['data']:
        odd = nids[resource['id']] % 2 == 1
        assert isinstance(resource['attributes']['field_url'], str) is odd
        assert ('changed' in resource['attributes']) is odd


# ----------------------------------------------------------------------------------------------- listings

def _seed(sandbox, count):
    for i in range(count):
        sandbox.add_cluster(_values(sandbox, i))


def test_relative_next_links(sandbox):
    _seed(sandbox, 7)
    params = {'page[limit]': 3, 'sort': '-title', 'filter[c][path]': 'field_cluster_type.id',
              'filter[c][value]': sandbox.store.terms('cluster_type')[0]['uuid']}
    _only(sandbox, 'relative_next', 'odd')  # page 0 absolute, page 1 relative
    first = _get(sandbox, '/node/cluster', params)
    assert first['links']['next']['href'].startswith('http://127.0.0.1:')
    second = requests.get(first['links']['next']['href'], headers=HEADERS, timeout=10).json()
    href = second['links']['next']['href']
    assert href.startswith('/node/cluster?') and 'page%5Boffset%5D=6' in href and 'sort=-title' in href
    third = requests.get(sandbox.url + href, headers=HEADERS, timeout=10).json()  # relative to the JSON:API root
    titles = [item['attributes']['title'] for page in (first, second, third) for item in page['data']]
    assert titles == [f'Quirk {i}' for i in range(6, -1, -1)] and 'next' not in third['links']
    _only(sandbox, 'relative_next', 'never')
    assert _get(sandbox, '/node/cluster', {**params, 'page[offset]': 3})['links']['next']['href'].startswith('http')


def test_next_links_that_drop_the_query(sandbox):
    _seed(sandbox, 5)
    params = {'page[limit]': 2, 'sort': '-title', 'filter[t][path]': 'title', 'filter[t][operator]': 'STARTS_WITH',
              'filter[t][value]': 'Quirk'}
    _only(sandbox, 'next_drops_query')
    href = _get(sandbox, '/node/cluster', params)['links']['next']['href']
    assert href.endswith('/node/cluster?page%5Boffset%5D=2')
    _only(sandbox, 'next_drops_query', 'never')
    href = _get(sandbox, '/node/cluster', params)['links']['next']['href']
    for part in ('page%5Blimit%5D=2', 'sort=-title', 'filter%5Bt%5D%5Bvalue%5D=Quirk', 'page%5Boffset%5D=2'):
        assert part in href


def test_next_links_keep_a_key_sent_as_a_parameter_even_when_they_drop_the_query(sandbox):
    _seed(sandbox, 3)
    _only(sandbox, 'next_drops_query')
    response = requests.get(f'{sandbox.url}/node/cluster', params={'api-key': SANDBOX_KEY, 'page[limit]': 2},
                            timeout=10)
    assert f'api-key={SANDBOX_KEY}' in response.json()['links']['next']['href']


def test_pages_without_data(sandbox):
    absent = {'filter[r][path]': 'field_registration_number', 'filter[r][value]': 'NOPE'}
    _only(sandbox, 'page_without_data')
    document = _get(sandbox, '/node/cluster', absent)
    assert 'data' not in document and 'errors' not in document and document['links']['self']
    _seed(sandbox, 1)
    assert len(_get(sandbox, '/node/cluster')['data']) == 1  # a page with items has them
    _only(sandbox, 'page_without_data', 'never')
    assert _get(sandbox, '/node/cluster', absent)['data'] == []


# ------------------------------------------------------------------------------------------- switching them

def test_quirks_parse():
    assert Quirks.parse(None) == Quirks()
    assert set(Quirks.parse('all').model_dump().values()) == {'odd'}
    assert set(Quirks.parse('none').model_dump().values()) == {'never'}
    assert Quirks.parse('{"relative_next": "always"}').relative_next == 'always'
    assert Quirks.parse({'*': 'even', 'url_as_string': 'never'}).model_dump() == {
        **dict.fromkeys(Quirks.model_fields, 'even'), 'url_as_string': 'never'}
    for bad in ({'url_as_string': 'sometimes'}, {'meteor': 'always'}, '[1]', 'some'):
        with pytest.raises(ValueError):
            Quirks.parse(bad)


def test_quirks_at_start_and_over_http():
    with Sandbox(api_key=SANDBOX_KEY, reviewer_key=SANDBOX_REVIEWER_KEY, quirks='none',
                 url_as_string='always') as sandbox:
        assert sandbox.quirks.url_as_string == 'always' and sandbox.quirks.name_in_nation_as_list == 'never'
        uuid = sandbox.add_cluster(_values(sandbox))
        assert _read(sandbox, uuid)['field_url'] == 'https://q0.example.eu'
        base = sandbox.url.removesuffix('/jsonapi') + '/_sandbox/quirks'
        reviewer = {'x-reviewer-key': SANDBOX_REVIEWER_KEY}
        assert requests.get(base, headers=reviewer, timeout=5).json()['url_as_string'] == 'always'
        assert requests.put(base, json={'url_as_string': 'never'}, headers=HEADERS, timeout=5).status_code == 403
        answer = requests.put(base, json={'*': 'never', 'partial_address': 'always'}, headers=reviewer, timeout=5)
        assert answer.json()['partial_address'] == 'always' and answer.json()['url_as_string'] == 'never'
        read = _read(sandbox, uuid)
        assert isinstance(read['field_url'], dict) and read['field_address'] == ADDRESS
        assert requests.put(base, data='all', headers=reviewer, timeout=5).json()['relative_next'] == 'odd'
        assert requests.put(base, json={'relative_next': 'daily'}, headers=reviewer, timeout=5).status_code == 422
        assert sandbox.quirks.relative_next == 'odd'  # a refused change changes nothing
        sandbox.reset()
        assert sandbox.quirks.relative_next == 'odd'  # reset forgets registrations, not quirks
    with pytest.raises(ValueError):
        Sandbox(url_as_string='sometimes')
