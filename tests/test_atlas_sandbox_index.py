"""The sandbox answers a search from an index on registration number and country (and owner, title, id): it reads
only the registrations that may match, keeps the index right through every write, and builds it for a database
written before it existed."""

import os
import sqlite3
import subprocess
import sys

import pytest
import requests
from conftest import ROOT, SANDBOX_KEY

from atlas_sandbox import Sandbox, Store, resources, server

HEADERS = {'api-key': SANDBOX_KEY, 'Accept': 'application/vnd.api+json'}


@pytest.fixture(autouse=True)
def default_quirks(sandbox):
    """These tests read the sandbox's default answers, whatever quirks the session runs with."""
    sandbox.set_quirks(None)


def _values(i, country='LU', **overrides):
    return {'title': f'Indexed {i}', 'field_registration_number': f'I{i:05d}',
            'field_address': {'country_code': country, 'locality': 'Somewhere', 'address_line1': f'{i} Main St'},
            **overrides}


def _search(sandbox, number, country=None, **params):
    query = {'filter[reg][path]': 'field_registration_number', 'filter[reg][operator]': '=',
             'filter[reg][value]': number, **params}
    if country:
        query.update({'filter[ctry][path]': 'field_country.id', 'filter[ctry][operator]': '=',
                      'filter[ctry][value]': country})
    response = requests.get(f'{sandbox.url}/node/cluster', params=query, headers=HEADERS, timeout=10)
    assert response.status_code == 200, response.text
    return sorted(item['id'] for item in response.json()['data'])


def test_a_search_reads_only_what_it_may_match(sandbox, monkeypatch):
    for i in range(300):
        sandbox.add_cluster(_values(i))
    read = []
    monkeypatch.setattr(server, 'cluster_view', lambda record: read.append(record['uuid']) or
                        resources.cluster_view(record))
    lu = sandbox.store.country_by_iso('LU')
    [found] = _search(sandbox, 'I00042', lu)
    assert read == [found]
    read.clear()
    assert _search(sandbox, 'I99999', lu) == [] and read == []
    owner = {'filter[uid.id][value]': sandbox.ncc_user_uuid, 'filter[t][path]': 'title',
             'filter[t][value]': 'Indexed 7'}
    response = requests.get(f'{sandbox.url}/node/cluster', params=owner, headers=HEADERS, timeout=10)
    assert [item['attributes']['title'] for item in response.json()['data']] == ['Indexed 7'] and len(read) == 1


def test_an_in_search_of_registration_numbers_reads_only_what_it_may_match(sandbox, monkeypatch):
    for i in range(300):
        sandbox.add_cluster(_values(i))
    read = []
    monkeypatch.setattr(server, 'cluster_view', lambda record: read.append(record['uuid']) or
                        resources.cluster_view(record))
    params = [('filter[reg][condition][path]', 'field_registration_number'),
              ('filter[reg][condition][operator]', 'IN'),
              *[('filter[reg][condition][value][]', number) for number in ('I00007', 'I00042', 'I99999')],
              ('filter[ctry][path]', 'field_country.id'), ('filter[ctry][value]', sandbox.store.country_by_iso('LU'))]
    response = requests.get(f'{sandbox.url}/node/cluster', params=params, headers=HEADERS, timeout=10)
    assert response.status_code == 200, response.text
    numbers = sorted(item['attributes']['field_registration_number'] for item in response.json()['data'])
    assert numbers == ['I00007', 'I00042'] and len(read) == 2


def test_the_index_is_what_sqlite_uses():
    store = Store()
    plan = store._db.execute('EXPLAIN QUERY PLAN SELECT * FROM cluster WHERE registration_number = ? AND country = ?',
                             ('x', 'y')).fetchall()
    assert 'cluster_registration' in ' '.join(str(tuple(row)) for row in plan)
    store.close()


def test_the_index_follows_every_write(sandbox):
    lu, de = sandbox.store.country_by_iso('LU'), sandbox.store.country_by_iso('DE')
    in_lu = sandbox.add_cluster(_values(1))
    in_de = sandbox.add_cluster(_values(1, 'DE'))
    sent_country = sandbox.add_cluster(_values(2, field_address=None, field_country=de))
    spaced = sandbox.add_cluster(_values(3, field_registration_number=' I00003 '))
    assert _search(sandbox, 'I00001', lu) == [in_lu] and _search(sandbox, 'I00001', de) == [in_de]
    assert _search(sandbox, 'I00001') == sorted([in_lu, in_de])
    assert _search(sandbox, 'I00002', de) == [sent_country]  # the country sent, not only the one of the address
    assert _search(sandbox, 'I00003', lu) == []  # the Atlas matches exactly: stray spaces find nothing
    assert _search(sandbox, ' I00003 ', lu) == [spaced]
    sandbox.edit_cluster(in_lu, {'field_registration_number': 'I00009'})
    assert _search(sandbox, 'I00001', lu) == [] and _search(sandbox, 'I00009', lu) == [in_lu]
    response = requests.patch(f'{sandbox.url}/node/cluster/{in_de}', timeout=10, headers={
        **HEADERS, 'Content-Type': 'application/vnd.api+json'}, json={'data': {
            'type': 'node--cluster', 'id': in_de,
            'attributes': {'field_address': {'country_code': 'LU', 'locality': 'Wiltz', 'address_line1': '1 Gare'}}}})
    assert response.status_code == 200, response.text
    assert _search(sandbox, 'I00001', de) == [] and _search(sandbox, 'I00001', lu) == [in_de]
    sandbox.edit_cluster(in_de, {'field_registration_number': None})
    assert _search(sandbox, 'I00001') == []


def test_a_database_written_before_the_index_gets_it(tmp_path):
    db = tmp_path / 'old.sqlite3'
    with Sandbox(db=db, api_key=SANDBOX_KEY, reviewer_key='r-1') as sandbox:
        uuid = sandbox.add_cluster(_values(5))
        lu = sandbox.store.country_by_iso('LU')
    connection = sqlite3.connect(db)  # as the sandbox stored registrations before it had an index
    connection.executescript('DROP INDEX cluster_registration; DROP INDEX cluster_owner; DROP INDEX cluster_title; '
                             'ALTER TABLE cluster DROP COLUMN registration_number; '
                             'ALTER TABLE cluster DROP COLUMN country; ALTER TABLE cluster DROP COLUMN title;')
    connection.close()
    with Sandbox(db=db, api_key=SANDBOX_KEY, reviewer_key='r-1') as sandbox:
        assert _search(sandbox, 'I00005', lu) == [uuid]
        assert sandbox.cluster(uuid)['field_country'] == lu


def test_the_search_time_script_runs():
    result = subprocess.run([sys.executable, str(ROOT / 'scripts' / 'sandbox_search.py'), '-n', '20', '-n', '40',
                             '-s', '10'], capture_output=True, text=True, timeout=120, env=dict(os.environ))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith('N =     20: sandbox search by registration number and country ')
    assert lines[2].startswith('median at N = 40 / at N = 20: ')
