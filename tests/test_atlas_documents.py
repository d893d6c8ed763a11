"""The Atlas documents: plain values <-> JSON:API, the diff, the read-back quirks, Drupal-like validation."""

from datetime import timezone

import pytest

from odoo.addons.ncc_atlas_connector.atlas import (
    ATTRIBUTES,
    RELATIONSHIPS,
    VOCABULARIES,
    ErrorObject,
    RemoteCluster,
    Term,
    build_create,
    build_update,
    diff_values,
    validate_attributes,
)
from odoo.addons.ncc_atlas_connector.atlas.documents import parse_errors

UUID = '5d3c4f7e-1111-4a2b-9c3d-0123456789ab'
SECTOR_A = 'aaaaaaaa-0000-4000-8000-000000000001'
SECTOR_B = 'aaaaaaaa-0000-4000-8000-000000000002'
ADDRESS = {'country_code': 'LU', 'locality': 'Luxembourg', 'address_line1': '1 rue de la Gare'}


def test_field_catalogue():
    assert len(VOCABULARIES) == 7
    assert {spec.vocabulary for spec in RELATIONSHIPS.values()} == set(VOCABULARIES)
    assert ATTRIBUTES['title'].max_length == 500
    assert ATTRIBUTES['field_phone_number'].max_length == 50
    assert ATTRIBUTES['field_field_of_activity_descr'].max_length == 800
    assert ATTRIBUTES['field_representative_phone_numbe'].type == 'string'
    assert RELATIONSHIPS['field_cluster_type'].many is False
    assert RELATIONSHIPS['field_sectors'].many is True
    assert RELATIONSHIPS['field_country'].sent_by_default is False
    for name in ATTRIBUTES:
        assert len(name) <= 32  # Drupal machine names are cut at 32 characters


def test_build_create_leaves_blanks_out_and_keeps_false():
    document = build_create({
        'title': 'Acme', 'field_url': 'https://acme.example', 'field_address': ADDRESS,
        'field_question_majority': False, 'field_phone_number': '', 'field_position': None,
        'field_cluster_type': UUID, 'field_sectors': [SECTOR_A, SECTOR_B], 'field_use_cases': [],
        'moderation_state': 'draft',
    })
    data = document['data']
    assert data['type'] == 'node--cluster' and 'id' not in data
    assert data['attributes'] == {
        'title': 'Acme', 'field_url': {'uri': 'https://acme.example'}, 'field_address': ADDRESS,
        'field_question_majority': False, 'moderation_state': 'draft',
    }
    assert data['relationships'] == {
        'field_cluster_type': {'data': {'type': 'taxonomy_term--cluster_type', 'id': UUID}},
        'field_sectors': {'data': [{'type': 'taxonomy_term--sectors', 'id': SECTOR_A},
                                   {'type': 'taxonomy_term--sectors', 'id': SECTOR_B}]},
    }


def test_build_create_sends_the_address_only_when_complete():
    document = build_create({'title': 'Acme', 'field_address': {**ADDRESS, 'locality': ''}})
    assert 'field_address' not in document['data']['attributes']


def test_build_create_refuses_unknown_fields():
    with pytest.raises(KeyError, match='field_nope'):
        build_create({'title': 'Acme', 'field_nope': 'x'})


def test_diff_ignores_quirks_order_and_blanks():
    old = {'field_url': {'uri': 'https://a.example', 'title': '', 'options': []},
           'field_institution_name_in_nation': ['Acme SA'], 'field_sectors': [SECTOR_A, SECTOR_B],
           'field_phone_number': None, 'field_address': {**ADDRESS, 'postal_code': None, 'langcode': ''},
           'moderation_state': 'draft', 'title': 'Acme'}
    new = {'field_url': 'https://a.example', 'field_institution_name_in_nation': 'Acme SA',
           'field_sectors': [SECTOR_B, SECTOR_A], 'field_phone_number': '', 'field_address': dict(ADDRESS),
           'moderation_state': 'draft'}
    assert diff_values(old, new) == {}
    assert build_update(UUID, old, new) is None


def test_diff_compares_only_the_keys_of_new():
    assert diff_values({'title': 'A', 'field_position': 'CEO'}, {'title': 'B'}) == {'title': 'B'}
    assert diff_values({'field_position': 'CEO'}, {'field_position': None}) == {'field_position': None}
    assert diff_values({'moderation_state': 'draft'}, {'moderation_state': None}) == {}


def test_build_update_holds_only_what_changed():
    old = {'title': 'Acme', 'field_sectors': [SECTOR_A], 'field_cluster_type': UUID, 'field_position': 'CEO',
           'moderation_state': 'draft', 'field_question_majority': True}
    new = {'title': 'Acme', 'field_sectors': [], 'field_cluster_type': None, 'field_position': 'CTO',
           'moderation_state': 'ready_for_publication', 'field_question_majority': False}
    document = build_update(UUID, old, new)
    assert document == {'data': {
        'type': 'node--cluster', 'id': UUID,
        'attributes': {'field_position': 'CTO', 'moderation_state': 'ready_for_publication',
                       'field_question_majority': False},
        'relationships': {'field_sectors': {'data': []}, 'field_cluster_type': {'data': None}},
    }}


def test_unchanged_state_is_never_sent():
    document = build_update(UUID, {'moderation_state': 'draft', 'title': 'A'},
                            {'moderation_state': 'draft', 'title': 'B'})
    assert document['data']['attributes'] == {'title': 'B'}


def _resource(**attributes):
    return {
        'type': 'node--cluster', 'id': UUID,
        'attributes': {'title': 'Acme', 'changed': '2025-03-01T10:00:00+01:00', 'moderation_state': 'published',
                       'drupal_internal__nid': 7, 'field_url': 'https://a.example',
                       'field_institution_name_in_nation': [], **attributes},
        'relationships': {
            'uid': {'data': {'type': 'user--user', 'id': SECTOR_B}},
            'field_country': {'data': {'type': 'taxonomy_term--country', 'id': SECTOR_A}},
            'field_sectors': {'data': [{'type': 'taxonomy_term--sectors', 'id': SECTOR_A}]},
            'field_cluster_type': {'data': None},
            'node_type': {'data': {'type': 'node_type--node_type', 'id': UUID}},
        },
    }


def test_remote_cluster_from_resource():
    remote = RemoteCluster.model_validate(_resource())
    assert remote.id == UUID and remote.owner == SECTOR_B
    assert remote.moderation_state == 'published' and remote.values['moderation_state'] == 'published'
    assert remote.changed.utcoffset() is not None
    assert remote.changed.astimezone(timezone.utc).hour == 9
    assert remote.values['field_url'] == 'https://a.example'
    assert remote.values['field_institution_name_in_nation'] is None
    assert remote.values['field_country'] == SECTOR_A
    assert remote.values['field_sectors'] == [SECTOR_A]
    assert remote.values['field_cluster_type'] is None
    assert 'drupal_internal__nid' not in remote.values and 'node_type' not in remote.values
    assert remote.title == 'Acme'


def test_remote_cluster_quirks_and_naive_changed():
    remote = RemoteCluster.model_validate(_resource(
        changed='2025-03-01T10:00:00', field_url={'uri': 'https://b.example'},
        field_institution_name_in_nation=['Acme SA'],
        field_address={**ADDRESS, 'langcode': '', 'postal_code': None}))
    assert remote.changed.tzinfo is not None and remote.changed.hour == 10
    assert remote.values['field_url'] == 'https://b.example'
    assert remote.values['field_institution_name_in_nation'] == 'Acme SA'
    assert remote.values['field_address'] == ADDRESS


def test_remote_cluster_refuses_other_types():
    with pytest.raises(ValueError):
        RemoteCluster.model_validate({**_resource(), 'type': 'node--article'})


def test_term_from_resource():
    term = Term.model_validate({
        'type': 'taxonomy_term--country', 'id': UUID,
        'attributes': {'name': 'Luxembourg', 'description': {'value': 'Grand Duchy', 'format': 'basic_html'},
                       'field_iso_code': 'LU'},
        'relationships': {'parent': {'data': [{'type': 'taxonomy_term--country', 'id': 'virtual'}]}},
    })
    assert (term.vocabulary, term.name, term.description, term.parent, term.iso_code) == (
        'country', 'Luxembourg', 'Grand Duchy', None, 'LU')
    child = Term.model_validate({
        'type': 'taxonomy_term--sectors', 'id': SECTOR_A, 'attributes': {'name': 'Energy', 'description': None},
        'relationships': {'parent': {'data': [{'type': 'taxonomy_term--sectors', 'id': SECTOR_B}]}},
    })
    assert child.parent == SECTOR_B and child.description is None and child.iso_code is None


def test_error_objects():
    errors = parse_errors({'errors': [
        {'status': 422, 'title': 'Unprocessable Entity', 'detail': 'title: This value should not be null.',
         'source': {'pointer': '/data/attributes/title'}},
        {'status': '422', 'detail': 'This value is too long.', 'source': {'pointer': '/data/attributes/field_x'}},
        'not an object',
    ]})
    assert errors[0].status == '422' and errors[0].pointer == '/data/attributes/title'
    assert errors[0].text() == 'title: This value should not be null.'
    assert errors[1].text() == 'field_x: This value is too long.'
    assert errors[2].detail == 'not an object'
    assert parse_errors({'data': []}) == [] and parse_errors(None) == []
    assert ErrorObject(status='404', title='Not Found').as_jsonapi() == {'status': '404', 'title': 'Not Found'}


@pytest.mark.parametrize(('attributes', 'field', 'fragment'), [
    ({'field_nope': 'x'}, 'field_nope', 'does not exist'),
    ({'changed': '2025-01-01'}, 'changed', 'not allowed'),
    ({'title': 'x' * 501}, 'title', '500 characters or less'),
    ({'field_phone_number': 'x' * 51}, 'field_phone_number', '50 characters or less'),
    ({'field_goals_to_achieve': 'x' * 801}, 'field_goals_to_achieve', '800 characters or less'),
    ({'field_phone_number': 352123}, 'field_phone_number', 'primitive type'),
    ({'field_question_majority': 'yes'}, 'field_question_majority', 'primitive type'),
    ({'field_e_mail': 'not-an-email'}, 'field_e_mail', 'valid email'),
    ({'field_url': {'uri': 'acme.example'}}, 'field_url', 'invalid'),
    ({'field_url': 'https://acme.example'}, 'field_url', 'primitive type'),
    ({'field_address': {**ADDRESS, 'country_code': 'lux'}}, 'field_address', 'country code'),
    ({'field_address': {**ADDRESS, 'planet': 'Earth'}}, 'field_address', 'planet'),
    ({'moderation_state': 'archived'}, 'moderation_state', 'does not exist'),
])
def test_validate_attributes(attributes, field, fragment):
    problems = validate_attributes(attributes)
    assert [p.field for p in problems] == [field]
    assert problems[0].pointer == f'/data/attributes/{field}'
    assert fragment in problems[0].detail


def test_validate_attributes_accepts_a_full_registration():
    assert validate_attributes({
        'title': 'Acme', 'field_institution_name_in_nation': 'Acme SA', 'field_address': ADDRESS,
        'field_general_contact_e_mail': 'info@acme.example', 'field_url': {'uri': 'https://acme.example'},
        'field_question_headquarter': True, 'field_question_subsidiaries': False, 'field_e_mail': 'a@acme.example',
        'field_phone_number': '+352 123', 'moderation_state': 'draft', 'field_position': None,
    }) == []
