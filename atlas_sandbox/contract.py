"""The Atlas contract as the sandbox enforces it: its own table of what a registration (``node--cluster``) may
hold, and the checks a write must pass, written from the contract (``atlas-api.md`` §4-§6) and from what a Drupal
site refuses, on its own.

It shares nothing with the client on purpose: a client that misreads the contract must be refused here, not
agreed with. Where the contract is silent the sandbox is as strict as Drupal (e-mail syntax, link schemes, ISO
country codes of the address field).
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

CLUSTER = 'node--cluster'
TERM_PREFIX = 'taxonomy_term--'

SHORT_TEXT = 400
LONG_TEXT = 800


@dataclass(frozen=True)
class Attribute:
    """One attribute of ``node--cluster``. ``kind`` is ``text``, ``names`` (a text, or a list of texts: the Atlas
    may hold several national names), ``email``, ``bool``, ``address``, ``link`` or ``state``; ``limit`` is the
    largest length of a text, in characters."""

    kind: str
    limit: int | None = None


@dataclass(frozen=True)
class Relationship:
    """One relationship of ``node--cluster`` to the terms of ``vocabulary``; ``many`` when it holds a list."""

    vocabulary: str
    many: bool


#: Spec §5, attribute by attribute.
ATTRIBUTES: Mapping[str, Attribute] = MappingProxyType({
    'title': Attribute('text', 500),
    'field_institution_name_in_nation': Attribute('names', SHORT_TEXT),
    'field_entity_department': Attribute('text', SHORT_TEXT),
    'field_address': Attribute('address'),
    'field_general_contact_e_mail': Attribute('email', 254),
    'field_phone_number': Attribute('text', 50),
    'field_url': Attribute('link', 2048),
    'field_registration_number': Attribute('text', 100),
    'field_question_headquarter': Attribute('bool'),
    'field_headquarter': Attribute('text', SHORT_TEXT),
    'field_question_subsidiaries': Attribute('bool'),
    'field_subsidiaries_eu': Attribute('text', SHORT_TEXT),
    'field_question_majority': Attribute('bool'),
    'field_majority_shares_noneu': Attribute('text', SHORT_TEXT),
    'field_article_136_compliance': Attribute('bool'),
    'field_data_sharing_consent': Attribute('bool'),
    'field_first_name': Attribute('text', SHORT_TEXT),
    'field_family_name': Attribute('text', SHORT_TEXT),
    'field_e_mail': Attribute('email', 254),
    'field_position': Attribute('text', SHORT_TEXT),
    'field_representative_phone_numbe': Attribute('text', 50),
    'field_field_of_activity_descr': Attribute('text', LONG_TEXT),
    'field_goals_to_achieve': Attribute('text', LONG_TEXT),
    'field_goals_to_contribute': Attribute('text', LONG_TEXT),
    'moderation_state': Attribute('state'),
})

#: Spec §5, relationships; ``field_country`` is derived from the address when it is not sent.
RELATIONSHIPS: Mapping[str, Relationship] = MappingProxyType({
    'field_cluster_type': Relationship('cluster_type', False),
    'field_field_of_activity': Relationship('fields_of_activity', True),
    'field_cluster_thematic_area': Relationship('cluster_thematic_area', True),
    'field_sectors': Relationship('sectors', True),
    'field_technologies': Relationship('technologies', True),
    'field_use_cases': Relationship('use_cases', True),
    'field_country': Relationship('country', False),
})

#: Spec §6. The NCC's key may set only the first three; the ECCC sets the others.
STATES = ('draft', 'ready_for_publication', 'to_be_rejected', 'published', 'revision_requested', 'rejected')
NCC_STATES = ('draft', 'ready_for_publication', 'to_be_rejected')

#: What Drupal computes itself: writing one is refused with 403.
COMPUTED = ('changed', 'created', 'drupal_internal__nid', 'drupal_internal__vid', 'revision_timestamp', 'uuid',
            'langcode', 'status', 'promote', 'sticky', 'default_langcode', 'revision_translation_affected', 'path',
            'revision_log')

#: The properties of Drupal's address field (each a text of at most 255 characters); it returns all of them.
ADDRESS_PARTS = ('langcode', 'country_code', 'administrative_area', 'locality', 'dependent_locality',
                 'postal_code', 'sorting_code', 'address_line1', 'address_line2', 'address_line3', 'organization',
                 'given_name', 'additional_name', 'family_name')
ADDRESS_PART_LIMIT = 255

#: ISO 3166-1 alpha-2, as the address field knows them (with Kosovo's XK, as Drupal's country list has it).
_ISO_3166 = """
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR
GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO
JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR
MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO
RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV
TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW
"""
COUNTRY_CODES = frozenset(_ISO_3166.split())

#: The link field takes an absolute URL of these schemes only (Drupal: ``UrlHelper::isValid($uri, TRUE)``).
LINK_SCHEMES = ('http', 'https', 'ftp', 'feed')
LINK_TITLE_LIMIT = 255

_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r'[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?'
_EMAIL = re.compile(rf'^{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})+$')
_HOST = re.compile(rf'^(?:{_LABEL}(?:\.{_LABEL})*|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)$')  # a name, IPv4 or IPv6
UUID = re.compile(r'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')

TITLES = {400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
          409: 'Conflict', 413: 'Payload Too Large', 415: 'Unsupported Media Type', 422: 'Unprocessable Entity',
          429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable',
          504: 'Gateway Timeout'}


def error(status: int, detail: str, pointer: str | None = None) -> dict:
    """One JSON:API error object, as Drupal words it."""
    document = {'title': TITLES.get(status, 'Error'), 'status': str(status), 'detail': detail}
    if pointer:
        document['source'] = {'pointer': pointer}
    return document


class Refusal(Exception):
    """An error answer: JSON:API error objects (or a raw body), a status and headers."""

    def __init__(self, status: int, detail: str = '', pointer: str | None = None,
                 errors: list[dict] | None = None, headers: dict | None = None, body: str | None = None,
                 content_type: str = 'application/vnd.api+json'):
        super().__init__(detail)
        self.status = status
        self.errors = errors if errors is not None else [error(status, detail, pointer)]
        self.headers = headers or {}
        self.body = body
        self.content_type = content_type


# ------------------------------------------------------------------------------------------------ attributes

def _too_long(name: str, sub: str, limit: int) -> str:
    return f'{name}.0.{sub}: This value is too long. It should have {limit} characters or less.'


def _wrong_type(name: str, sub: str = 'value') -> str:
    return f'{name}.0.{sub}: This value should be of the correct primitive type.'


def _text_problem(name: str, value: Any, limit: int | None, sub: str = 'value') -> str | None:
    if not isinstance(value, str):
        return _wrong_type(name, sub)
    if limit is not None and len(value) > limit:
        return _too_long(name, sub, limit)
    return None


def _names_problem(name: str, value: Any, limit: int) -> str | None:
    for index, item in enumerate(value if isinstance(value, list) else [value]):
        if not isinstance(item, str):
            return f'{name}.{index}.value: This value should be of the correct primitive type.'
        if len(item) > limit:
            return f'{name}.{index}.value: This value is too long. It should have {limit} characters or less.'
    return None


def _email_problem(name: str, value: Any, limit: int) -> str | None:
    problem = _text_problem(name, value, limit)
    if problem:
        return problem
    if not _EMAIL.match(value):
        return f'{name}.0.value: This value is not a valid email address.'
    return None


def is_website(uri: str) -> bool:
    """An absolute URL the link field accepts: a known scheme, a host, no blank."""
    if not uri or any(char.isspace() for char in uri):
        return False
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return False
    return parts.scheme.lower() in LINK_SCHEMES and bool(_HOST.match(parts.hostname or ''))


def _link_problem(name: str, value: Any, limit: int) -> str | None:
    if not isinstance(value, Mapping):
        return _wrong_type(name, 'uri')
    unknown = sorted(set(value) - {'uri', 'title', 'options'})
    if unknown:
        return f'{name}: The property {unknown[0]} does not exist on this field.'
    uri = value.get('uri')
    if uri is None:
        return f'{name}.0.uri: This value should not be null.'
    problem = _text_problem(name, uri, limit, 'uri')
    if problem:
        return problem
    if not is_website(uri):
        return f"{name}.0.uri: The path '{uri}' is invalid."
    if value.get('title') is not None:
        return _text_problem(name, value['title'], LINK_TITLE_LIMIT, 'title')
    return None


def _address_problem(name: str, value: Any) -> str | None:
    if not isinstance(value, Mapping):
        return _wrong_type(name, 'country_code')
    unknown = sorted(set(value) - set(ADDRESS_PARTS))
    if unknown:
        return f'{name}: The property {unknown[0]} does not exist on this field.'
    for part, item in value.items():
        if item is None:
            continue
        problem = _text_problem(name, item, ADDRESS_PART_LIMIT, part)
        if problem:
            return problem
    code = value.get('country_code')
    if code is not None and code not in COUNTRY_CODES:
        return f'{name}.0.country_code: The country {code} is not valid.'
    return None


def attribute_problem(name: str, value: Any) -> str | None:
    """Why the Atlas refuses ``value`` for attribute ``name`` (None: it takes it). ``None`` clears an attribute,
    except ``moderation_state``."""
    spec = ATTRIBUTES[name]
    if value is None:
        return f'{name}: This value should not be null.' if spec.kind == 'state' else None
    if spec.kind == 'text':
        return _text_problem(name, value, spec.limit)
    if spec.kind == 'names':
        return _names_problem(name, value, spec.limit)
    if spec.kind == 'email':
        return _email_problem(name, value, spec.limit)
    if spec.kind == 'bool':
        return None if isinstance(value, bool) else _wrong_type(name)
    if spec.kind == 'link':
        return _link_problem(name, value, spec.limit)
    if spec.kind == 'address':
        return _address_problem(name, value)
    if value not in STATES:
        return f'{name}: State "{value}" does not exist on the workflow.'
    return None


def attribute_errors(attributes: Any, creating: bool) -> list[dict]:
    """The error objects of the ``attributes`` member of a write (POST when ``creating``, else PATCH); who may set
    which state is the caller's check, as it depends on the key and the stored record."""
    if not isinstance(attributes, Mapping):
        return [error(400, 'The attributes member must be an object.', '/data/attributes')]
    errors = []
    for name, value in attributes.items():
        pointer = f'/data/attributes/{name}'
        if name in COMPUTED:
            errors.append(error(403, f'The current user is not allowed to write the selected field ({name}).',
                                pointer))
        elif name not in ATTRIBUTES:
            errors.append(error(422, f'The attribute {name} does not exist on the {CLUSTER} resource type.',
                                pointer))
        else:
            problem = attribute_problem(name, value)
            if problem:
                errors.append(error(422, problem, pointer))
    title = attributes.get('title')
    title_reported = any(item.get('source', {}).get('pointer') == '/data/attributes/title' for item in errors)
    if (creating or 'title' in attributes) and not title_reported and not (isinstance(title, str) and title.strip()):
        errors.append(error(422, 'title: This value should not be null.', '/data/attributes/title'))
    return errors


def state_error(state: Any, current: str | None, may_set: tuple[str, ...]) -> dict | None:
    """Drupal's content moderation: a repeated state is an invalid transition, and a key sets only its states."""
    pointer = '/data/attributes/moderation_state'
    if state not in STATES:
        return None  # reported by the attribute check
    if current == state:
        return error(422, f'moderation_state: Invalid state transition from {current} to {state}: the '
                          'registration is already in this state.', pointer)
    if state not in may_set:
        return error(422, f'moderation_state: Invalid state transition from {current or "new"} to {state}: '
                          f'this key may set only {", ".join(may_set)}.', pointer)
    return None


# --------------------------------------------------------------------------------------------- relationships

def linkage_problem(name: str, index: int, linkage: Any, term_vocabulary: Any) -> str | None:
    """Why a resource identifier of relationship ``name`` is refused; ``term_vocabulary(uuid)`` tells the
    vocabulary of a stored term (None when there is no such term)."""
    expected = TERM_PREFIX + RELATIONSHIPS[name].vocabulary
    if not isinstance(linkage, Mapping) or not isinstance(linkage.get('id'), str) or 'type' not in linkage:
        return f'{name}.{index}: a resource identifier needs a "type" and an "id".'
    if linkage['type'] != expected:
        return f'{name}.{index}.target_id: The type {linkage["type"]} does not match the field\'s target ({expected}).'
    vocabulary = term_vocabulary(linkage['id'])
    if vocabulary is None:
        return f'{name}.{index}.target_id: The referenced entity (taxonomy_term: {linkage["id"]}) does not exist.'
    if vocabulary != RELATIONSHIPS[name].vocabulary:
        return (f'{name}.{index}.target_id: This entity (taxonomy_term: {linkage["id"]}) cannot be referenced: it '
                f'belongs to {vocabulary}, not {RELATIONSHIPS[name].vocabulary}.')
    return None


def relationship_errors(relationships: Any, term_vocabulary: Any) -> tuple[dict, list[dict]]:
    """The relationships of a write in storage form (a term UUID, None or a list of UUIDs) and its error objects."""
    if not isinstance(relationships, Mapping):
        return {}, [error(400, 'The relationships member must be an object.', '/data/relationships')]
    stored, errors = {}, []
    for name, value in relationships.items():
        pointer = f'/data/relationships/{name}'
        if name == 'uid':
            errors.append(error(422, 'uid: The current user is not allowed to change the owner.', pointer))
            continue
        spec = RELATIONSHIPS.get(name)
        if spec is None:
            errors.append(error(422, f'The relationship {name} does not exist on the {CLUSTER} resource type.',
                                pointer))
            continue
        if not isinstance(value, Mapping) or 'data' not in value:
            errors.append(error(400, f'{name}: a relationship must be an object with a "data" member.', pointer))
            continue
        data = value['data']
        if spec.many and not isinstance(data, list):
            errors.append(error(422, f'{name}: This value should be a list of resource identifiers.', pointer))
            continue
        if not spec.many and isinstance(data, list):
            errors.append(error(422, f'{name}: This field can hold at most 1 value.', pointer))
            continue
        linkages = data if spec.many else ([] if data is None else [data])
        problems = [linkage_problem(name, index, linkage, term_vocabulary) for index, linkage in enumerate(linkages)]
        problems = [problem for problem in problems if problem]
        if problems:
            errors += [error(422, problem, pointer) for problem in problems]
            continue
        ids = [linkage['id'] for linkage in linkages]
        stored[name] = list(dict.fromkeys(ids)) if spec.many else (ids[0] if ids else None)
    return stored, errors
