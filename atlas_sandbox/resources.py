"""Stored registrations and terms as the Atlas shows them: JSON:API resource objects (with the read-back quirks
switched on), the views filters see, and plain values for tests and the reviewer endpoints.
"""

import uuid as uuidlib
from collections.abc import Mapping
from typing import Any

from .contract import ADDRESS_PARTS, ATTRIBUTES, CLUSTER, RELATIONSHIPS, TERM_PREFIX
from .quirks import Quirks

NODE_TYPE_UUID = 'c1a5e7e2-0b6b-5c44-9a51-3b1a3e3c1c7d'


def _blank(value: Any) -> bool:
    return value is None or value == '' or value == [] or value == {}


def relationships_of(record: dict) -> dict:
    """The stored relationships, with ``field_country`` as the Atlas shows it even when it was not sent (the
    store keeps the one derived from the address)."""
    relationships = dict(record['relationships'])
    if not relationships.get('field_country'):
        relationships['field_country'] = record.get('country')
    return relationships


def _names(value: Any) -> list:
    if _blank(value):
        return []
    return [name for name in value if name] if isinstance(value, list) else [value]


def render_cluster(record: dict, base: str, quirks: Quirks, in_listing: bool = False) -> dict:
    """A ``node--cluster`` resource object as Drupal serves it: every attribute and relationship, computed ones
    included, and the quirks that apply to this record's node id."""
    nid = record['nid']
    stored = record['attributes']
    attributes: dict = {
        'drupal_internal__nid': nid, 'langcode': 'en', 'status': record['moderation_state'] == 'published',
        'title': stored.get('title'), 'created': record['created'], 'changed': record['changed'],
        'moderation_state': record['moderation_state'], 'revision_log': record['revision_log'],
    }
    for name, spec in ATTRIBUTES.items():
        if name in attributes:
            continue
        value = stored.get(name)
        if spec.kind == 'link' and value:
            value = value['uri'] if quirks.applies('url_as_string', nid) else {
                'uri': value['uri'], 'title': value.get('title') or '', 'options': value.get('options') or []}
        elif spec.kind == 'address' and value:
            # Only what the Atlas holds, or Drupal's every property (null when unset); a part is never invented
            # nor hidden: an address held in part (e.g. country and locality) is data, given by a test.
            if quirks.applies('partial_address', nid):
                value = {part: item for part, item in value.items() if item not in (None, '')}
            else:
                value = {part: value.get(part, '' if part == 'langcode' else None) for part in ADDRESS_PARTS}
        elif spec.kind == 'names':
            # Several names held are a list whatever the quirk (a string cannot hold them, and dropping some would
            # hide a client that drops them); the quirk makes one name, or none, a list too.
            names = _names(value)
            as_list = len(names) > 1 or quirks.applies('name_in_nation_as_list', nid)
            value = names if as_list else (names[0] if names else None)
        attributes[name] = value
    if in_listing and quirks.applies('missing_changed', nid):
        del attributes['changed']
    relationships: dict = {}
    for name, value in relationships_of(record).items():
        spec = RELATIONSHIPS[name]
        kind = TERM_PREFIX + spec.vocabulary
        if spec.many:
            relationships[name] = {'data': [{'type': kind, 'id': uuid} for uuid in value or []]}
        else:
            relationships[name] = {'data': {'type': kind, 'id': value} if value else None}
    for name, spec in RELATIONSHIPS.items():
        relationships.setdefault(name, {'data': [] if spec.many else None})
    relationships['uid'] = {'data': {'type': 'user--user', 'id': record['owner']}}
    relationships['node_type'] = {'data': {'type': 'node_type--node_type', 'id': NODE_TYPE_UUID}}
    return {'type': CLUSTER, 'id': record['uuid'], 'links': {'self': {'href': f'{base}/node/cluster/{record["uuid"]}'}},
            'attributes': attributes, 'relationships': relationships}


def cluster_view(record: dict) -> dict:
    """What filters and sorts see: stored values (no read-back quirk), relationships as UUIDs."""
    attributes = {'title': record['attributes'].get('title'), 'moderation_state': record['moderation_state'],
                  'changed': record['changed'], 'created': record['created'], 'drupal_internal__nid': record['nid'],
                  'status': record['moderation_state'] == 'published'}
    for name, value in record['attributes'].items():
        attributes.setdefault(name, value)
    relationships = relationships_of(record)
    relationships['uid'] = record['owner']
    return {'id': record['uuid'], 'attributes': attributes, 'relationships': relationships}


def plain_cluster(record: dict) -> dict:
    """A registration as plain values: every attribute as stored (a link as its URI, blanks as None), every
    relationship as a term UUID, None or a list, and ``id``, ``owner``, ``moderation_state``, ``created``,
    ``changed``, ``revision_log``, ``nid``."""
    plain = {'id': record['uuid'], 'owner': record['owner'], 'moderation_state': record['moderation_state'],
             'created': record['created'], 'changed': record['changed'], 'revision_log': record['revision_log'],
             'nid': record['nid']}
    for name, spec in ATTRIBUTES.items():
        if name == 'moderation_state':
            continue
        value = record['attributes'].get(name)
        if spec.kind == 'link' and isinstance(value, Mapping):
            value = value.get('uri')
        elif spec.kind == 'address' and isinstance(value, Mapping):
            value = {part: item for part, item in value.items() if not _blank(item)}
        plain[name] = None if _blank(value) else value
    relationships = relationships_of(record)
    for name, spec in RELATIONSHIPS.items():
        value = relationships.get(name)
        plain[name] = list(value or []) if spec.many else (value or None)
    return plain


def data_from_plain(values: Mapping[str, Any]) -> dict:
    """The ``data`` member of a create from plain values (a link as its URI, a relationship as UUIDs); blanks are
    left out, ``False`` is a value. Names the contract does not know are kept, to be refused."""
    attributes, relationships = {}, {}
    for name, value in values.items():
        if _blank(value):
            continue
        spec = RELATIONSHIPS.get(name)
        if spec is None:
            link = name in ATTRIBUTES and ATTRIBUTES[name].kind == 'link' and isinstance(value, str)
            attributes[name] = {'uri': value} if link else value
            continue
        kind = TERM_PREFIX + spec.vocabulary
        if spec.many:
            ids = [value] if isinstance(value, str) else list(value)
            relationships[name] = {'data': [{'type': kind, 'id': uuid} for uuid in ids]}
        else:
            relationships[name] = {'data': {'type': kind, 'id': value}}
    return {'type': CLUSTER, 'attributes': attributes, 'relationships': relationships}


def render_term(term: dict, base: str, flat_thematic_areas: bool) -> dict:
    vocabulary = term['vocabulary']
    kind = TERM_PREFIX + vocabulary
    parent = None if flat_thematic_areas and vocabulary == 'cluster_thematic_area' else term['parent']
    attributes = {'drupal_internal__tid': term['tid'], 'langcode': 'en', 'status': True, 'name': term['name'],
                  'description': {'value': term['description'], 'format': 'basic_html',
                                  'processed': term['description']} if term['description'] else None,
                  'weight': term['weight']}
    if vocabulary == 'country':
        attributes['field_iso_code'] = term['iso_code']
    return {'type': kind, 'id': term['uuid'],
            'links': {'self': {'href': f'{base}/taxonomy_term/{vocabulary}/{term["uuid"]}'}},
            'attributes': attributes,
            'relationships': {'parent': {'data': [{'type': kind, 'id': parent or 'virtual'}]},
                              'vid': {'data': {'type': 'taxonomy_vocabulary--taxonomy_vocabulary',
                                               'id': str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, vocabulary))}}}}


def term_view(term: dict, flat_thematic_areas: bool) -> dict:
    parent = None if flat_thematic_areas and term['vocabulary'] == 'cluster_thematic_area' else term['parent']
    return {'id': term['uuid'],
            'attributes': {'name': term['name'], 'description': term['description'], 'weight': term['weight'],
                           'field_iso_code': term['iso_code'], 'drupal_internal__tid': term['tid']},
            'relationships': {'parent': parent}}
