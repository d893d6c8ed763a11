"""The Atlas client against the sandbox, over real HTTP on loopback: every call, the errors, retries, secrets."""

import base64
import dataclasses
import logging
import socket
import time

import pytest
import urllib3.util.retry
from conftest import SANDBOX_KEY

from atlas_sandbox import Sandbox
from odoo.addons.ncc_atlas_connector.atlas import (
    AtlasClient,
    AtlasError,
    AtlasSettings,
    AuthenticationError,
    NotFoundError,
    RemoteCluster,
    RetryableError,
    UnknownOutcomeError,
    ValidationError,
)

BASIC_USER, BASIC_PASSWORD = 'acceptance', 'basic-pw-Hy7uJ3kK'


def _client(sandbox, exchanges=None, **settings):
    options = {'url': sandbox.url, 'api_key': SANDBOX_KEY, 'backoff': 0.01, 'timeout': 5, **settings}
    return AtlasClient(AtlasSettings(**options), on_exchange=exchanges.append if exchanges is not None else None)


@pytest.fixture
def exchanges():
    return []


@pytest.fixture
def client(sandbox, exchanges):
    with _client(sandbox, exchanges) as client:
        yield client


def _terms(sandbox, vocabulary):
    return [term['uuid'] for term in sandbox.store.terms(vocabulary)]


def _registration(sandbox, **overrides):
    return {
        'title': 'Acme Cyber SA',
        'field_institution_name_in_nation': 'Acme Cyber SA (FR)',
        'field_address': {'country_code': 'LU', 'locality': 'Luxembourg', 'address_line1': '1 rue de la Gare'},
        'field_general_contact_e_mail': 'info@acme.example',
        'field_phone_number': '+352 123 456',
        'field_url': 'https://acme.example',
        'field_registration_number': 'B123456',
        'field_question_headquarter': True,
        'field_question_subsidiaries': False,
        'field_question_majority': False,
        'field_article_136_compliance': True,
        'field_data_sharing_consent': True,
        'field_first_name': 'Ada',
        'field_family_name': 'Lovelace',
        'field_e_mail': 'ada@acme.example',
        'field_field_of_activity_descr': 'Penetration testing and incident response.',
        'field_cluster_type': _terms(sandbox, 'cluster_type')[1],
        'field_field_of_activity': _terms(sandbox, 'fields_of_activity')[:2],
        'field_sectors': _terms(sandbox, 'sectors')[:2],
        'field_cluster_thematic_area': _terms(sandbox, 'cluster_thematic_area')[10:13],
        **overrides,
    }


def _lu(sandbox):
    return sandbox.store.country_by_iso('LU')


def _same(sent, remote):
    for name, value in sent.items():
        got = remote.values[name]
        assert (sorted(got) if isinstance(got, list) else got) == (sorted(value) if isinstance(value, list) else value)


# ------------------------------------------------------------------------------------------------- settings

@pytest.mark.parametrize('url', ['http://127.0.0.1:8070/jsonapi', 'http://127.0.0.5/jsonapi',
                                 'http://localhost:8070/jsonapi/', 'http://[::1]:8070/jsonapi',
                                 'https://atlas.example.eu/jsonapi'])
def test_settings_accept_https_and_loopback_http(url):
    assert AtlasSettings(url=url, api_key='k').url == url.rstrip('/')


@pytest.mark.parametrize(('url', 'fragment'), [
    ('http://atlas.example.eu/jsonapi', 'use https'),
    ('http://10.0.0.1/jsonapi', 'use https'),
    ('ftp://atlas.example.eu/jsonapi', 'https://'),
    ('atlas.example.eu/jsonapi', 'https://'),
    ('https://user:pw@atlas.example.eu/jsonapi', 'credentials'),
    ('https://atlas.example.eu/jsonapi?api-key=x', 'without query'),
])
def test_settings_refuse_unsafe_urls(url, fragment):
    with pytest.raises(ValueError, match=fragment):
        AtlasSettings(url=url, api_key='k')


def test_settings_basic_needs_both_parts():
    with pytest.raises(ValueError, match='both'):
        AtlasSettings(url='https://a.example/jsonapi', api_key=SANDBOX_KEY, basic_user='u')
    with pytest.raises(ValueError, match='both') as caught:
        AtlasSettings(url='https://a.example/jsonapi', api_key=SANDBOX_KEY, basic_password=BASIC_PASSWORD)
    assert SANDBOX_KEY not in str(caught.value) and BASIC_PASSWORD not in str(caught.value)
    with pytest.raises(ValueError) as caught:
        AtlasSettings(url='http://atlas.example.eu/jsonapi', api_key=SANDBOX_KEY, timeout=0)
    assert str(caught.value).startswith('url: plain http is allowed only for a local test Atlas')
    assert 'timeout: Input should be greater than 0' in str(caught.value)


def test_settings_hide_secrets_and_name_the_product():
    settings = AtlasSettings(url='https://a.example/jsonapi', api_key=SANDBOX_KEY, basic_user='u',
                             basic_password=BASIC_PASSWORD)
    for text in (repr(settings), str(settings), settings.model_dump_json(), repr(AtlasClient(settings))):
        assert SANDBOX_KEY not in text and BASIC_PASSWORD not in text
    assert settings.user_agent.startswith('ncc_atlas_connector/')
    assert (settings.timeout, settings.verify_tls, settings.page_size) == (30, True, 50)
    assert settings.key_transport == 'header'


# ------------------------------------------------------------------------------------------------ the calls

@pytest.mark.parametrize('transport', ['header', 'query'])
def test_whoami(sandbox, exchanges, transport):
    with _client(sandbox, exchanges, key_transport=transport) as client:
        assert client.whoami() == sandbox.ncc_user_uuid
    assert [(e.method, e.path, e.status, e.outcome) for e in exchanges] == [('GET', '/', 200, 'ok')]
    assert sandbox.requests()[-1]['user_agent'].startswith('ncc_atlas_connector/')


@pytest.mark.parametrize('transport', ['header', 'query'])
def test_terms_follow_the_pages(sandbox, exchanges, transport):
    with _client(sandbox, exchanges, key_transport=transport) as client:
        terms = client.terms('cluster_thematic_area')
    assert len(terms) == 165 and len({term.id for term in terms}) == 165
    assert {term.id for term in terms} == set(_terms(sandbox, 'cluster_thematic_area'))
    assert sandbox.count('GET', '/jsonapi/taxonomy_term/<vocabulary>', 200) == 4
    assert len(exchanges) == 4 and all('api-key' not in e.path for e in exchanges)
    assert exchanges[1].path == '/taxonomy_term/cluster_thematic_area?page[offset]=50&page[limit]=50'


def test_every_vocabulary(sandbox, client):
    counts = {vocabulary: len(client.terms(vocabulary)) for vocabulary in
              ('country', 'cluster_type', 'fields_of_activity', 'cluster_thematic_area', 'sectors', 'technologies',
               'use_cases')}
    assert sum(counts.values()) == 245 and counts['fields_of_activity'] == 6
    countries = client.terms('country')
    assert all(term.iso_code and len(term.iso_code) == 2 for term in countries)
    assert next(term for term in countries if term.iso_code == 'LU').id == _lu(sandbox)
    with pytest.raises(ValueError, match='unknown vocabulary'):
        client.terms('planets')


def test_create_and_read_back(sandbox, client):
    values = _registration(sandbox)
    created = client.create_cluster(values)
    assert isinstance(created, RemoteCluster)
    assert created.moderation_state == 'draft' and created.owner == sandbox.ncc_user_uuid
    assert created.changed.tzinfo is not None
    _same(values, created)
    assert created.values['field_country'] == _lu(sandbox)  # derived by the Atlas from the address
    assert client.get_cluster(created.id) == created
    body = sandbox.requests('POST')[0]['body']['data']
    assert body['attributes']['field_url'] == {'uri': 'https://acme.example'}
    assert 'field_country' not in body.get('relationships', {})


def test_create_sends_the_country_when_asked(sandbox):
    with _client(sandbox, send_country=True) as client:
        client.create_cluster(_registration(sandbox, field_country=_lu(sandbox)))
    relationships = sandbox.requests('POST')[0]['body']['data']['relationships']
    assert relationships['field_country'] == {'data': {'type': 'taxonomy_term--country', 'id': _lu(sandbox)}}


def test_update_sends_only_the_diff(sandbox, client):
    values = _registration(sandbox)
    created = client.create_cluster(values)
    sectors = _terms(sandbox, 'sectors')
    new = {**values, 'field_position': 'CISO', 'field_sectors': [sectors[1], sectors[0], sectors[5]],
           'field_cluster_thematic_area': list(reversed(values['field_cluster_thematic_area'])),
           'moderation_state': 'draft'}
    updated = client.update_cluster(created.id, created, new)
    patches = sandbox.requests('PATCH')
    assert len(patches) == 1
    assert patches[0]['body'] == {'data': {
        'type': 'node--cluster', 'id': created.id,
        'attributes': {'field_position': 'CISO'},
        'relationships': {'field_sectors': {'data': [{'type': 'taxonomy_term--sectors', 'id': uuid}
                                                     for uuid in (sectors[1], sectors[0], sectors[5])]}},
    }}
    assert updated.values['field_position'] == 'CISO' and updated.changed > created.changed
    assert client.update_cluster(created.id, updated, new) is None  # nothing changed: no request
    assert client.update_cluster(created.id, updated.values, new) is None
    assert len(sandbox.requests('PATCH')) == 1


def test_state_changes_and_a_repeated_state_is_refused(sandbox, client):
    created = client.create_cluster(_registration(sandbox))
    ready = client.update_cluster(created.id, created, {'moderation_state': 'ready_for_publication'})
    assert ready.moderation_state == 'ready_for_publication'
    with pytest.raises(ValidationError) as caught:  # an old that does not know the state: the Atlas answers 422
        client.update_cluster(created.id, {}, {'moderation_state': 'ready_for_publication'})
    assert caught.value.status == 422
    assert caught.value.pointers == ['/data/attributes/moderation_state']
    assert str(caught.value).startswith(f'The Atlas refused the registration {created.id}: moderation_state: ')
    with pytest.raises(ValidationError) as caught:
        client.update_cluster(created.id, ready, {'moderation_state': 'published'})
    assert caught.value.pointers == ['/data/attributes/moderation_state']
    assert 'may set only' in str(caught.value)


def test_bad_values_are_refused_with_their_pointers(sandbox, client):
    with pytest.raises(ValidationError) as caught:
        client.create_cluster(_registration(sandbox, title=None))
    assert str(caught.value) == 'The Atlas refused the registration: title: This value should not be null.'
    assert caught.value.pointers == ['/data/attributes/title']
    assert caught.value.errors[0].status == '422'
    with pytest.raises(ValidationError) as caught:
        client.create_cluster(_registration(sandbox, field_phone_number='0' * 51,
                                            field_sectors=[_terms(sandbox, 'technologies')[0]]))
    assert sorted(caught.value.pointers) == ['/data/attributes/field_phone_number',
                                             '/data/relationships/field_sectors']
    assert 'field_phone_number.0.value: This value is too long. It should have 50 characters or less.' in str(
        caught.value)
    assert sandbox.clusters() == []


def test_searches(sandbox, client):
    other_tool = '0f0e0d0c-0b0a-4909-8807-060504030201'
    states = ['draft', 'ready_for_publication', 'published', 'revision_requested', 'rejected', 'to_be_rejected']
    mine = [sandbox.add_cluster(_registration(sandbox, title=f'Entity {i}', field_registration_number=f'R{i}'),
                                state=states[i % len(states)]) for i in range(125)]
    for i in range(3):
        sandbox.add_cluster(_registration(sandbox, title=f'Foreign {i}', field_registration_number='R7'),
                            owner=other_tool)
    owned = client.clusters_by_owner(sandbox.ncc_user_uuid)
    assert sorted(c.id for c in owned) == sorted(mine)
    assert {c.moderation_state for c in owned} == set(states)
    assert sandbox.count('GET', '/jsonapi/node/cluster') == 3

    found = client.find_clusters('R7', _lu(sandbox))
    assert len(found) == 4 and {c.values['field_registration_number'] for c in found} == {'R7'}
    assert client.find_clusters('R7', sandbox.store.country_by_iso('DE')) == []

    by_ids = client.clusters_by_ids(mine[:60] + ['11111111-2222-4333-8444-555555555555'] + mine[:3])
    assert sorted(c.id for c in by_ids) == sorted(mine[:60])
    assert sandbox.count('GET', '/jsonapi/node/cluster') == 3 + 2 + 2  # 61 unique ids: two chunks

    titled = client.find_by_title(sandbox.ncc_user_uuid, 'Entity 42')
    assert [c.id for c in titled] == [mine[42]]
    assert client.find_by_title(other_tool, 'Entity 42') == []


def test_the_batch_search_by_registration_numbers(sandbox, client):
    lu, de = _lu(sandbox), sandbox.store.country_by_iso('DE')
    held = {i: sandbox.add_cluster(_registration(sandbox, title=f'Entity {i}', field_registration_number=f'N{i}'))
            for i in range(0, 120, 2)}
    twice = sandbox.add_cluster(_registration(sandbox, title='Entity 0 again', field_registration_number='N0'))
    before = sandbox.count('GET', '/jsonapi/node/cluster')
    asked = [f' N{i} ' for i in range(120)]  # trimmed before they are sent
    found = client.find_clusters_by_numbers(asked, lu)
    assert sandbox.count('GET', '/jsonapi/node/cluster') - before == 3, '50 numbers a request'
    assert sorted(c.id for c in found['N0']) == sorted([held[0], twice])
    assert all([c.id for c in found[f'N{i}']] == [held[i]] for i in range(2, 120, 2))
    assert all(found[f'N{i}'] == [] for i in range(1, 120, 2))
    assert client.find_clusters_by_numbers(['N2'], de) == {'N2': []}, 'another country'
    with pytest.raises(ValueError):
        client.find_clusters_by_numbers(['N2', '  '], lu)


def test_get_cluster_not_found(sandbox, client):
    with pytest.raises(NotFoundError) as caught:
        client.get_cluster('11111111-2222-4333-8444-555555555555')
    assert caught.value.status == 404 and 'does not exist on the Atlas' in str(caught.value)
    with pytest.raises(ValueError):
        client.get_cluster('../../user/user')


def test_next_links_are_called_on_the_configured_root():
    settings = AtlasSettings(url='https://atlas.example.eu/jsonapi', api_key=SANDBOX_KEY, key_transport='query')
    with AtlasClient(settings) as client:
        # Drupal behind a TLS proxy may write its links with http:// and an inner host: only path and query count
        path, params = client._follow(f'http://drupal-1:8080/jsonapi/node/cluster?page[offset]=50&api-key={SANDBOX_KEY}')
        assert path == '/node/cluster' and params == [('page[offset]', '50')]
        with pytest.raises(AtlasError, match='outside its JSON:API root') as caught:
            client._follow(f'https://evil.example/steal?api-key={SANDBOX_KEY}')
        assert SANDBOX_KEY not in str(caught.value)
        with pytest.raises(ValueError):
            client.find_clusters('', '11111111-2222-4333-8444-555555555555')


# --------------------------------------------------------------------------------------------- failures

def test_a_2xx_holding_errors_fails(sandbox, client, exchanges):
    sandbox.force_fault('error_in_2xx')
    with pytest.raises(AtlasError) as caught:
        client.whoami()
    assert caught.value.status == 200 and 'handled only in part' in str(caught.value)
    assert exchanges[-1].outcome == 'error'
    sandbox.force_fault('error_in_2xx')
    with pytest.raises(UnknownOutcomeError):
        client.create_cluster(_registration(sandbox))


class _Waits:
    """Stands in for the ``time`` module of urllib3's retry logic: records each wait the client's retry policy
    computes and makes none, so a test asserts the wait itself, not how long the test took."""

    def __init__(self):
        self.seconds = []

    def sleep(self, seconds):
        self.seconds.append(seconds)

    def __getattr__(self, name):
        return getattr(time, name)


@pytest.fixture
def waits(monkeypatch):
    recorder = _Waits()
    monkeypatch.setattr(urllib3.util.retry, 'time', recorder)
    return recorder.seconds


@pytest.mark.parametrize('header', [1, 7])
def test_retry_after_is_honoured_on_reads(sandbox, client, exchanges, waits, header):
    sandbox.set_faults({'retry_after': header})
    sandbox.force_fault('429')
    assert client.whoami() == sandbox.ncc_user_uuid
    assert waits == [header]  # the Atlas's Retry-After, not the client's own backoff (0.01 s here)
    assert sandbox.count('GET', '/jsonapi', 429) == 1 and sandbox.count('GET', '/jsonapi', 200) == 1
    assert exchanges[-1].attempts == 2 and exchanges[-1].outcome == 'ok'


def test_without_retry_after_reads_back_off(sandbox, client, waits):
    sandbox.force_fault('502')
    assert client.whoami() == sandbox.ncc_user_uuid
    assert len(waits) == 1 and 0.005 <= waits[0] <= 0.01  # the backoff (0.01 s) with its jitter


def test_a_too_long_retry_after_is_returned_not_waited(sandbox, waits):
    sandbox.set_faults({'retry_after': 30})
    sandbox.force_fault('503')
    with _client(sandbox, retry_after_max=5) as client, pytest.raises(RetryableError) as caught:
        client.whoami()
    assert waits == []
    assert sandbox.count('GET', '/jsonapi', 503) == 1
    assert caught.value.status == 503 and caught.value.retry_after == 30
    assert 'in 30 s' in str(caught.value)


def test_writes_are_never_retried(sandbox, client):
    sandbox.set_faults({'retry_after': 1})
    sandbox.force_fault('429', methods=['POST'])
    with pytest.raises(RetryableError) as caught:
        client.create_cluster(_registration(sandbox))
    assert caught.value.status == 429 and caught.value.retry_after == 1
    assert sandbox.count('POST') == 1 and sandbox.clusters() == []


def test_reads_give_up_after_their_retries(sandbox):
    sandbox.set_faults({'retry_after': 0})
    sandbox.force_fault('503', count=10)
    with _client(sandbox, read_retries=2) as client, pytest.raises(RetryableError) as caught:
        client.whoami()
    assert caught.value.status == 503
    assert sandbox.count('GET', '/jsonapi', 503) == 3


def test_transient_gateway_errors_on_reads_are_absorbed(sandbox, client, exchanges):
    sandbox.force_fault('502')
    sandbox.force_fault('504')
    assert len(client.terms('sectors')) == 15
    assert exchanges[-1].attempts == 3


def test_backoff_has_jitter_and_a_ceiling():
    from urllib3.util.retry import RequestHistory

    from odoo.addons.ncc_atlas_connector.atlas.client import _ReadRetry

    retry = _ReadRetry(total=10, backoff_factor=0.5, backoff_max=3.0)
    assert retry.get_backoff_time() == 0
    failures = [RequestHistory('GET', '/', None, 503, None)]
    first = {retry.new(history=tuple(failures)).get_backoff_time() for _ in range(50)}
    assert all(0.25 <= value <= 0.5 for value in first) and len(first) > 1
    third = [retry.new(history=tuple(failures * 3)).get_backoff_time() for _ in range(50)]
    assert all(1.0 <= value <= 2.0 for value in third)
    tenth = [retry.new(history=tuple(failures * 10)).get_backoff_time() for _ in range(50)]
    assert all(1.5 <= value <= 3.0 for value in tenth)


def test_a_500_is_not_retried(sandbox, client):
    sandbox.force_fault('500')
    with pytest.raises(AtlasError) as caught:
        client.whoami()
    assert type(caught.value) is AtlasError and caught.value.status == 500
    assert sandbox.count('GET', '/jsonapi') == 1
    sandbox.force_fault('500', methods=['POST'])
    with pytest.raises(UnknownOutcomeError):
        client.create_cluster(_registration(sandbox))


def test_a_gateway_timeout_on_a_write_is_an_unknown_outcome(sandbox, client):
    created = client.create_cluster(_registration(sandbox))
    sandbox.force_fault('504', methods=['PATCH'])
    with pytest.raises(UnknownOutcomeError) as caught:
        client.update_cluster(created.id, created, {'title': 'Acme 2'})
    assert caught.value.status == 504 and 'Look the registration up' in str(caught.value)


def test_a_lost_answer_after_a_post(sandbox, client, exchanges):
    values = _registration(sandbox)
    sandbox.force_fault('drop_after_write')
    with pytest.raises(UnknownOutcomeError) as caught:
        client.create_cluster(values)
    assert 'may have saved the registration' in str(caught.value)
    assert exchanges[-1].outcome == 'unknown' and exchanges[-1].status is None
    stored = sandbox.clusters()
    assert len(stored) == 1 and stored[0]['title'] == values['title']
    found = client.find_clusters(values['field_registration_number'], _lu(sandbox))
    assert [c.id for c in found] == [stored[0]['id']]


def test_a_reset_before_a_post_is_still_an_unknown_outcome(sandbox, client):
    sandbox.force_fault('reset', methods=['POST'])
    with pytest.raises(UnknownOutcomeError):
        client.create_cluster(_registration(sandbox))
    assert sandbox.clusters() == []


def test_a_reset_on_a_read_is_retried(sandbox, client, exchanges, caplog):
    caplog.set_level(logging.DEBUG)
    sandbox.force_fault('reset')
    assert client.whoami() == sandbox.ncc_user_uuid
    assert exchanges[-1].attempts == 2
    assert any(record.msg.startswith('Retrying (') for record in caplog.records)
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]


def test_a_malformed_answer(sandbox, client):
    sandbox.force_fault('malformed', methods=['POST'])
    with pytest.raises(UnknownOutcomeError):
        client.create_cluster(_registration(sandbox))
    assert len(sandbox.clusters()) == 1
    sandbox.force_fault('malformed')
    with pytest.raises(RetryableError):
        client.whoami()


def test_a_timeout_after_sending_a_post(sandbox):
    sandbox.set_faults({'slow_ms': 1200})
    sandbox.force_fault('latency', methods=['POST'])
    with _client(sandbox, timeout=0.3) as client, pytest.raises(UnknownOutcomeError) as caught:
        client.create_cluster(_registration(sandbox))
    assert 'no answer within the timeout' in str(caught.value)
    deadline = time.monotonic() + 5
    while not sandbox.clusters() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(sandbox.clusters()) == 1  # the Atlas did save it


def test_a_timeout_on_a_read(sandbox):
    sandbox.set_faults({'slow_ms': 800})
    sandbox.force_fault('latency')
    with _client(sandbox, timeout=0.2, read_retries=0) as client, pytest.raises(RetryableError):
        client.whoami()


def _free_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def test_an_unreachable_atlas(sandbox):
    url = f'http://127.0.0.1:{_free_port()}/jsonapi'
    settings = AtlasSettings(url=url, api_key=SANDBOX_KEY, read_retries=1, backoff=0.01, key_transport='query')
    with AtlasClient(settings) as client:
        with pytest.raises(RetryableError) as caught:
            client.whoami()
        assert 'could not be reached' in str(caught.value)
        with pytest.raises(RetryableError):  # nothing was sent: not an unknown outcome
            client.create_cluster(_registration(sandbox))


def test_authentication_errors(sandbox):
    with _client(sandbox, api_key='not-the-key') as client, pytest.raises(AuthenticationError) as caught:
        client.whoami()
    assert caught.value.status == 403 and 'API key' in str(caught.value)


@pytest.fixture
def gated_sandbox():
    with Sandbox(api_key=SANDBOX_KEY, basic=(BASIC_USER, BASIC_PASSWORD), reviewer_key='r' * 12) as sandbox:
        yield sandbox


def test_basic_login(gated_sandbox):
    with _client(gated_sandbox) as client, pytest.raises(AuthenticationError) as caught:
        client.whoami()
    assert caught.value.status == 401 and 'asks for an HTTP Basic login' in str(caught.value)
    with _client(gated_sandbox, basic_user=BASIC_USER, basic_password=BASIC_PASSWORD) as client:
        assert client.whoami() == gated_sandbox.ncc_user_uuid


# ----------------------------------------------------------------------------------------------- secrets

def test_secrets_never_show(gated_sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    exchanges, texts = [], []
    settings = {'key_transport': 'query', 'basic_user': BASIC_USER, 'basic_password': BASIC_PASSWORD}
    with _client(gated_sandbox, exchanges, **settings) as client:
        texts.append(repr(client))
        assert client.whoami() == gated_sandbox.ncc_user_uuid
        assert len(client.terms('cluster_thematic_area')) == 165
        created = client.create_cluster(_registration(gated_sandbox))
        client.update_cluster(created.id, created, {'title': 'Acme renamed'})
        gated_sandbox.force_fault('drop_after_write')
        gated_sandbox.force_fault('reset')
        gated_sandbox.force_fault('malformed')
        for call in (lambda: client.create_cluster(_registration(gated_sandbox, title=None)),
                     lambda: client.update_cluster(created.id, created, {'title': 'x'}),
                     lambda: client.create_cluster(_registration(gated_sandbox)),
                     lambda: client.get_cluster('11111111-2222-4333-8444-555555555555')):
            with pytest.raises(AtlasError) as caught:
                call()
            texts += [str(caught.value), repr(caught.value), str(caught.value.__cause__),
                      str(caught.value.__context__)]
    with _client(gated_sandbox, exchanges, key_transport='query', basic_user=BASIC_USER,
                 basic_password='wrong-' + BASIC_PASSWORD) as client, pytest.raises(AuthenticationError) as caught:
        client.whoami()
    texts.append(str(caught.value))
    url = f'http://127.0.0.1:{_free_port()}/jsonapi'
    unreachable = AtlasSettings(url=url, api_key=SANDBOX_KEY, key_transport='query', read_retries=0)
    with AtlasClient(unreachable, exchanges.append) as client, pytest.raises(RetryableError) as caught:
        client.whoami()
    texts += [str(caught.value), repr(unreachable), str(unreachable)]
    texts += [repr(dataclasses.asdict(exchange)) for exchange in exchanges]
    texts.append(caplog.text)
    texts += [str(record.args) for record in caplog.records]
    assert 'api-key=***' in caplog.text  # urllib3 logged the URLs, masked
    assert len(exchanges) >= 12
    basic_token = base64.b64encode(f'{BASIC_USER}:{BASIC_PASSWORD}'.encode()).decode()
    for text in texts:
        assert SANDBOX_KEY not in text
        assert BASIC_PASSWORD not in text
        assert basic_token not in text


def test_on_exchange_is_called_once_per_call_and_may_fail(sandbox, exchanges):
    def broken(exchange):
        exchanges.append(exchange)
        raise RuntimeError('the log is full')

    with AtlasClient(AtlasSettings(url=sandbox.url, api_key=SANDBOX_KEY), on_exchange=broken) as client:
        assert client.whoami() == sandbox.ncc_user_uuid
        with pytest.raises(NotFoundError):
            client.get_cluster('11111111-2222-4333-8444-555555555555')
    assert [(e.method, e.status, e.outcome) for e in exchanges] == [('GET', 200, 'ok'), ('GET', 404, 'not_found')]
    assert exchanges[1].error.startswith('The registration 11111111') and exchanges[1].duration_ms >= 0
    assert exchanges[1].response_excerpt and '"errors"' in exchanges[1].response_excerpt


def test_exchange_excerpts_are_capped(sandbox, exchanges, client):
    client.terms('cluster_thematic_area')
    assert all(len(e.response_excerpt) < 4200 for e in exchanges)
    assert 'more characters' in exchanges[0].response_excerpt


def test_revision_message_of_the_eccc_is_read_back(sandbox, client):
    uuid = client.create_cluster({'title': 'Revision Lab', 'moderation_state': 'ready_for_publication'}).id
    sandbox.request_revision(uuid, 'Describe the SOC services.')
    assert client.get_cluster(uuid).revision_message == 'Describe the SOC services.'
