"""The client against an Atlas that behaves like the real one rather than like our documents: a small scripted
HTTP server, written here from the spec (§4), that shares no code with the client.

What it checks: values are trimmed once for sending, searching and comparing; listings follow relative and
absolute next links and keep their own query; read-back keeps what the Atlas sends (no ``changed``, several
national names, a partial address, ``field_url`` either way); a 400 that is not a JSON:API error is not the
record's fault.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest

from odoo.addons.ncc_atlas_connector.atlas import (
    AtlasClient,
    AtlasSettings,
    RetryableError,
    UnexpectedAnswerError,
    UnknownOutcomeError,
    ValidationError,
    build_create,
    build_update,
    diff_values,
    same_value,
)

KEY = 'fixture-key-8Hq2ZxT5'
UUID_1 = '0b6c2d2e-0000-4000-8000-000000000001'
UUID_2 = '0b6c2d2e-0000-4000-8000-000000000002'
UUID_3 = '0b6c2d2e-0000-4000-8000-000000000003'
COUNTRY = 'c0c0c0c0-0000-4000-8000-0000000000aa'
OWNER = '99999999-0000-4000-8000-000000000001'
JSONAPI = 'application/vnd.api+json'


def _resource(uuid, changed='2026-05-01T10:00:00+00:00', **attributes):
    attributes = {'title': f'Registration {uuid[-1]}', 'moderation_state': 'draft', **attributes}
    if changed is not None:
        attributes['changed'] = changed
    return {'type': 'node--cluster', 'id': uuid, 'attributes': attributes,
            'relationships': {'uid': {'data': {'type': 'user--user', 'id': OWNER}}}}


class ScriptedAtlas:
    """Answers each request with the next scripted answer ``(status, body, content_type)`` and records what it
    was asked: method, path, query (as a list of pairs) and body."""

    def __init__(self):
        self.answers = []
        self.requests = []
        atlas = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self):
                length = int(self.headers.get('Content-Length') or 0)
                parts = urlsplit(self.path)
                atlas.requests.append({
                    'method': self.command, 'path': parts.path,
                    'query': parse_qsl(parts.query, keep_blank_values=True),
                    'body': json.loads(self.rfile.read(length)) if length else None,
                })
                status, body, content_type = atlas.answers.pop(0) if atlas.answers else (404, '', 'text/plain')
                data = (json.dumps(body) if not isinstance(body, str) else body).encode()
                self.send_response(status)
                self.send_header('Content-Type', content_type)
                self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = _answer

        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.root = f'http://127.0.0.1:{self.server.server_address[1]}/jsonapi'
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def answer(self, body, status=200, content_type=JSONAPI):
        self.answers.append((status, body, content_type))

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope='module')
def scripted_atlas():
    scripted = ScriptedAtlas()
    yield scripted
    scripted.close()


@pytest.fixture
def atlas(scripted_atlas):
    scripted_atlas.answers.clear()
    scripted_atlas.requests.clear()
    return scripted_atlas


@pytest.fixture
def exchanges():
    return []


@pytest.fixture
def client(atlas, exchanges):
    settings = AtlasSettings(url=atlas.root, api_key=KEY, timeout=5, backoff=0, read_retries=0)
    with AtlasClient(settings, on_exchange=exchanges.append) as client:
        yield client


# ------------------------------------------------------------------------------------------------- normalisation

def test_values_are_sent_trimmed():
    document = build_create({'title': '  Acme SA ', 'field_registration_number': ' B100001 ',
                             'field_url': ' https://acme.example ', 'field_phone_number': '   '})
    attributes = document['data']['attributes']
    assert attributes == {'title': 'Acme SA', 'field_registration_number': 'B100001',
                          'field_url': {'uri': 'https://acme.example'}}


def test_the_duplicate_search_sends_the_number_trimmed(atlas, client):
    atlas.answer({'data': [_resource(UUID_1, field_registration_number='B100001')]})
    found = client.find_clusters('  B100001 ', COUNTRY)
    assert [cluster.id for cluster in found] == [UUID_1]
    assert ('filter[reg][value]', 'B100001') in atlas.requests[0]['query']
    with pytest.raises(ValueError):
        client.find_clusters('   ', COUNTRY)


def test_spaces_and_the_case_of_a_registration_number_are_no_difference():
    assert diff_values({'title': 'X', 'field_registration_number': 'b100001'},
                       {'title': ' X ', 'field_registration_number': 'B 100001 '}) == {}
    assert not same_value('field_registration_number', 'B100001', 'B100002')
    assert diff_values({'title': 'X'}, {'title': 'Y'}) == {'title': 'Y'}
    # the e-mail and the url are texts too
    assert same_value('field_url', {'uri': 'https://acme.example '}, 'https://acme.example')
    assert same_value('field_general_contact_e_mail', ' info@acme.example', 'info@acme.example')


# ------------------------------------------------------------------------------------------------------- paging

def test_a_relative_next_link_is_followed_and_keeps_the_listings_query(atlas, client):
    atlas.answer({'data': [_resource(UUID_1)], 'links': {'next': {'href': 'node/cluster?page[offset]=1'}}})
    atlas.answer({'data': [_resource(UUID_2)], 'links': {'next': '/node/cluster?page[offset]=2&page[limit]=1'}})
    atlas.answer({'data': [_resource(UUID_3)]})
    found = client.clusters_by_owner(OWNER)
    assert [cluster.id for cluster in found] == [UUID_1, UUID_2, UUID_3]
    first, second, third = atlas.requests
    assert second['path'] == third['path'] == '/jsonapi/node/cluster'
    # the owner filter and the page size survive links that leave them out; the link's own values win
    assert ('filter[uid.id][value]', OWNER) in second['query'] and ('filter[uid.id][value]', OWNER) in third['query']
    assert ('page[limit]', '50') in second['query'] and ('page[offset]', '1') in second['query']
    assert ('page[limit]', '1') in third['query'] and ('page[limit]', '50') not in third['query']


def test_an_absolute_next_link_that_drops_the_filters_keeps_them(atlas, client):
    absolute = atlas.root + '/node/cluster?page%5Boffset%5D=50'
    atlas.answer({'data': [_resource(UUID_1)], 'links': {'next': {'href': absolute}}})
    atlas.answer({'data': [_resource(UUID_2)]})
    client.clusters_by_ids([UUID_1, UUID_2])
    first, second = atlas.requests
    ids = [value for key, value in first['query'] if key == 'filter[ids][condition][value][]']
    assert ids == [UUID_1, UUID_2]
    assert [value for key, value in second['query'] if key == 'filter[ids][condition][value][]'] == ids
    assert ('filter[ids][condition][operator]', 'IN') in second['query']
    assert ('page[offset]', '50') in second['query']


def test_a_page_without_data_does_not_end_the_listing(atlas, client):
    atlas.answer({'links': {'next': {'href': atlas.root + '/node/cluster?page[offset]=50'}}})
    atlas.answer({'data': [_resource(UUID_1)]})
    assert [cluster.id for cluster in client.clusters_by_owner(OWNER)] == [UUID_1]


def test_a_next_link_to_another_site_is_refused(atlas, client):
    atlas.answer({'data': [_resource(UUID_1)], 'links': {'next': 'https://elsewhere.example/steal?page[offset]=1'}})
    with pytest.raises(Exception, match='outside its JSON:API root'):
        client.clusters_by_owner(OWNER)
    assert len(atlas.requests) == 1


# ------------------------------------------------------------------------------------------- tolerant read-back

def test_a_resource_without_changed_does_not_fail_the_list(atlas, client):
    atlas.answer({'data': [_resource(UUID_1), _resource(UUID_2, changed=None)]})
    first, second = client.clusters_by_owner(OWNER)
    assert first.changed is not None and second.changed is None
    assert second.title == 'Registration 2'


def test_several_national_names_are_all_kept_and_sent_back_as_a_list(atlas, client):
    names = [' Université du Luxembourg ', 'Universität Luxemburg', '']
    atlas.answer({'data': _resource(UUID_1, field_institution_name_in_nation=names)})
    remote = client.get_cluster(UUID_1)
    assert remote.values['field_institution_name_in_nation'] == ['Université du Luxembourg', 'Universität Luxemburg']
    # the same names held as one text (as the partner holds them) are no difference...
    local = {'field_institution_name_in_nation': 'Université du Luxembourg / Universität Luxemburg'}
    assert diff_values(remote.values, local) == {}
    assert client.update_cluster(UUID_1, remote, local) is None
    assert len(atlas.requests) == 1
    # ... and a change is sent in the Atlas's own shape: a list
    atlas.answer({'data': _resource(UUID_1, field_institution_name_in_nation=['Uni.lu', 'Universität Luxemburg'])})
    client.update_cluster(UUID_1, remote, {'field_institution_name_in_nation': 'Uni.lu / Universität Luxemburg'})
    sent = atlas.requests[-1]['body']['data']['attributes']
    assert sent == {'field_institution_name_in_nation': ['Uni.lu', 'Universität Luxemburg']}
    # a list of one name is one name
    atlas.answer({'data': _resource(UUID_2, field_institution_name_in_nation=['Acme'])})
    assert client.get_cluster(UUID_2).values['field_institution_name_in_nation'] == 'Acme'


def test_a_partial_address_reads_back_and_a_city_edit_is_seen(atlas, client):
    atlas.answer({'data': _resource(UUID_1, field_address={'country_code': 'LU', 'locality': 'Esch-sur-Alzette',
                                                           'address_line1': None, 'postal_code': None})})
    remote = client.get_cluster(UUID_1)
    assert remote.values['field_address'] == {'country_code': 'LU', 'locality': 'Esch-sur-Alzette'}
    synced = {'field_address': {'country_code': 'LU', 'locality': 'Luxembourg', 'address_line1': '1 rue X'}}
    remote_address = {'field_address': remote.values['field_address']}
    assert set(diff_values(synced, remote_address)) == {'field_address'}  # the remote city edit is visible
    # a part the Atlas leaves out is not a removal
    same_city = {'field_address': {'country_code': 'LU', 'locality': 'Esch-sur-Alzette', 'address_line1': '1 rue X'}}
    assert diff_values(same_city, remote_address) == {}
    # an address is sent only complete, and an incomplete one never clears the Atlas's
    assert build_update(UUID_1, synced, {'field_address': {'country_code': 'LU', 'locality': 'Esch'}}) is None
    assert 'field_address' not in build_create({'title': 'X', 'field_address': {'country_code': 'LU'}})['data'][
        'attributes']


@pytest.mark.parametrize('url', ['https://acme.example', {'uri': 'https://acme.example', 'title': '', 'options': []}])
def test_field_url_as_a_string_or_an_object(atlas, client, url):
    atlas.answer({'data': [_resource(UUID_1, field_url=url)]})
    assert client.clusters_by_owner(OWNER)[0].values['field_url'] == 'https://acme.example'


# ------------------------------------------------------------------------- a 400 that is not a JSON:API error

PROXY_PAGE = '<html><body><h1>400 Bad Request</h1>Request Header Or Cookie Too Large</body></html>'


@pytest.mark.parametrize('body, content_type', [(PROXY_PAGE, 'text/html'), ('', 'text/plain')])
def test_a_400_from_a_proxy_is_not_the_records_fault(atlas, client, exchanges, body, content_type):
    atlas.answer(body, status=400, content_type=content_type)
    with pytest.raises(UnexpectedAnswerError) as caught:
        client.create_cluster({'title': 'Acme SA'})
    error = caught.value
    assert not isinstance(error, ValidationError)
    # retried like a transient failure, and looked up first like a write whose outcome is unknown
    assert isinstance(error, RetryableError) and isinstance(error, UnknownOutcomeError)
    assert error.max_attempts > 1
    words = error.gave_up(error.max_attempts)
    assert 'not a problem of the registration' in words and '<html>' not in words
    assert exchanges[-1].outcome == 'unexpected'
    if body:
        assert 'Request Header Or Cookie Too Large' in exchanges[-1].response_excerpt


def test_a_400_on_a_read_from_a_proxy_is_retryable(atlas, client):
    atlas.answer(PROXY_PAGE, status=400, content_type='text/html')
    with pytest.raises(UnexpectedAnswerError):
        client.clusters_by_owner(OWNER)


def test_a_jsonapi_validation_error_stays_the_records_fault(atlas, client, exchanges):
    atlas.answer({'errors': [{'status': '422', 'title': 'Unprocessable Content',
                              'detail': 'field_url.0.uri: The path is invalid.',
                              'source': {'pointer': '/data/attributes/field_url'}}]}, status=422)
    with pytest.raises(ValidationError) as caught:
        client.create_cluster({'title': 'Acme SA'})
    assert not isinstance(caught.value, RetryableError)
    assert caught.value.pointers == ['/data/attributes/field_url']
    atlas.answer({'errors': [{'status': '400', 'title': 'Bad Request', 'detail': 'Invalid filter.'}]}, status=400)
    with pytest.raises(ValidationError):
        client.clusters_by_owner(OWNER)
    assert [exchange.outcome for exchange in exchanges] == ['validation', 'validation']
