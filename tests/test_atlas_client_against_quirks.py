"""The client against the independent sandbox with its read-back quirks on (spec §4): listings whose next links are
relative or drop the query, pages without data, resources without ``changed``, names as lists, partial addresses,
URLs as strings; trimmed searches; a 400 that is no JSON:API error."""

from urllib.parse import parse_qsl, urlsplit

import pytest
from conftest import SANDBOX_KEY

from odoo.addons.ncc_atlas_connector.atlas import (
    AtlasClient,
    AtlasSettings,
    RetryableError,
    UnexpectedAnswerError,
    ValidationError,
)

OTHER_OWNER = '7e57e57e-0000-4000-8000-00000000cafe'


def _client(sandbox, exchanges=None, **settings):
    options = {'url': sandbox.url, 'api_key': SANDBOX_KEY, 'backoff': 0, 'timeout': 5, **settings}
    return AtlasClient(AtlasSettings(**options), on_exchange=exchanges.append if exchanges is not None else None)


def _values(sandbox, i, **overrides):
    return {'title': f'Quirky {i:03d}', 'field_institution_name_in_nation': f'Quirky {i:03d} (LU)',
            'field_address': {'country_code': 'LU', 'locality': 'Esch-sur-Alzette', 'address_line1': f'{i} rue'},
            'field_url': f'https://q{i}.example.eu', 'field_registration_number': f'Q{i:04d}',
            'field_cluster_type': sandbox.store.terms('cluster_type')[0]['uuid'], **overrides}


def _seed(sandbox, count, owner=None):
    return [sandbox.add_cluster(_values(sandbox, i), owner=owner) for i in range(count)]


@pytest.mark.parametrize('quirks', ['all', {'*': 'always'}, {'*': 'never', 'relative_next': 'always'},
                                    {'*': 'never', 'next_drops_query': 'always'}])
def test_every_page_with_its_filters(sandbox, quirks):
    mine = set(_seed(sandbox, 23))
    for i in range(100, 112):  # another NCC's registrations: the owner filter must hold on every page
        sandbox.add_cluster(_values(sandbox, i), owner=OTHER_OWNER)
    sandbox.set_quirks(quirks)
    with _client(sandbox, page_size=5) as client:
        found = client.clusters_by_owner(sandbox.ncc_user_uuid)
    assert [cluster.id for cluster in found if cluster.id in mine] == [cluster.id for cluster in found]
    assert {cluster.id for cluster in found} == mine and len(found) == 23
    pages = [dict(parse_qsl(urlsplit(request['path']).query)) for request in sandbox.requests('GET')
             if urlsplit(request['path']).path.endswith('/node/cluster')]
    assert len(pages) == 5, 'five pages of five, the page size and the filter kept on each'
    assert all(page.get('page[limit]') == '5' and page.get('filter[uid.id][value]') for page in pages)


def test_a_listing_ends_on_a_page_without_data(sandbox):
    sandbox.set_quirks({'*': 'never', 'page_without_data': 'always'})
    with _client(sandbox) as client:
        assert client.find_clusters('NOTHING-LIKE-IT', sandbox.store.country_by_iso('LU')) == []


def test_read_back_quirks_lose_nothing(sandbox):
    names = ['Quirky SA', 'Quirky AG']
    several = sandbox.add_cluster(_values(sandbox, 1, field_institution_name_in_nation=names))
    one = sandbox.add_cluster(_values(sandbox, 2))
    sandbox.set_quirks({'*': 'always'})
    with _client(sandbox) as client:
        by_id = {cluster.id: cluster for cluster in client.clusters_by_owner(sandbox.ncc_user_uuid)}
        assert by_id[several].values['field_institution_name_in_nation'] == names
        assert by_id[one].values['field_institution_name_in_nation'] == 'Quirky 002 (LU)'
        assert by_id[one].values['field_url'] == 'https://q2.example.eu'
        assert by_id[one].values['field_address']['locality'] == 'Esch-sur-Alzette'
        assert all(cluster.changed is None for cluster in by_id.values())  # missing in listings: values compare
        # the same names held as one text are no difference: nothing is sent
        assert client.update_cluster(several, by_id[several],
                                     {'field_institution_name_in_nation': 'Quirky SA / Quirky AG'}) is None
    assert sandbox.count('PATCH') == 0


def test_the_duplicate_search_finds_a_number_given_with_spaces(sandbox):
    uuid = sandbox.add_cluster(_values(sandbox, 7))
    with _client(sandbox) as client:
        found = client.find_clusters('  Q0007 ', sandbox.store.country_by_iso('LU'))
    assert [cluster.id for cluster in found] == [uuid]


@pytest.mark.parametrize('fault', ['html_400', 'empty_400'])
def test_a_400_that_is_no_jsonapi_error_is_not_the_records_fault(sandbox, fault):
    exchanges = []
    with _client(sandbox, exchanges) as client:
        sandbox.force_fault(fault, methods=['POST'])
        with pytest.raises(UnexpectedAnswerError) as caught:
            client.create_cluster(_values(sandbox, 3))
        assert isinstance(caught.value, RetryableError) and not isinstance(caught.value, ValidationError)
        sandbox.force_fault(fault, methods=['GET'])
        with pytest.raises(UnexpectedAnswerError):
            client.clusters_by_owner(sandbox.ncc_user_uuid)
    assert [exchange.outcome for exchange in exchanges] == ['unexpected', 'unexpected']
    # The Atlas's own refusal still is the record's fault.
    with _client(sandbox) as client, pytest.raises(ValidationError):
        client.create_cluster(_values(sandbox, 4, field_url='no scheme'))
