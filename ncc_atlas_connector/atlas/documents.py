"""The Atlas documents: what a registration (``node--cluster``) and a term look like, on the wire and as plain
values.

Plain values are a ``dict`` keyed by Atlas field names (spec §5):

- attributes hold plain Python values: trimmed ``str``, ``bool``, ``field_address`` as the parts of
  ``{"country_code", "locality", "address_line1"}`` that are set, ``field_url`` as a plain URI string,
  ``field_institution_name_in_nation`` as a ``str`` or, when the Atlas holds several names, a list of them,
  ``moderation_state`` as ``str``;
- single relationships (``field_cluster_type``, ``field_country``) hold a term UUID or ``None``;
- many relationships hold a list of term UUIDs.

This module turns plain values into JSON:API create and update documents, computes what changed between two sets
of plain values, parses what the Atlas sends back (with its quirks, spec §4) and validates attributes the way
Drupal does. The tables it builds on are in ``contract.py``. It imports nothing from Odoo and knows no Odoo field
name.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    StringConstraints,
    create_model,
    field_validator,
    model_validator,
)
from pydantic import ValidationError as PydanticValidationError

from .contract import (
    ADDRESS_ALL_KEYS,
    ADDRESS_KEYS,
    ATTRIBUTES,
    BOOL_ATTRIBUTES,
    CLUSTER_TYPE,
    ECCC_STATES,
    EMAIL_MAX,
    LONG_TEXT,
    MODERATION_STATES,
    NCC_STATES,
    READ_ONLY_ATTRIBUTES,
    RELATIONSHIPS,
    SHORT_TEXT,
    TAXONOMY_DIMENSIONS,
    TERM_TYPE_PREFIX,
    URI_MAX,
    UUID_RE,
    VOCABULARIES,
    AttributeSpec,
    RelationshipSpec,
    clean_text,
    national_names,
    national_names_text,
    registration_number_key,
)

__all__ = [  # the contract's tables, re-exported for the modules that read them from here
    'ADDRESS_ALL_KEYS', 'ADDRESS_KEYS', 'ATTRIBUTES', 'BOOL_ATTRIBUTES', 'CLUSTER_TYPE', 'ECCC_STATES', 'EMAIL_MAX',
    'LONG_TEXT', 'MODERATION_STATES', 'NCC_STATES', 'READ_ONLY_ATTRIBUTES', 'RELATIONSHIPS', 'SHORT_TEXT',
    'TAXONOMY_DIMENSIONS', 'TERM_TYPE_PREFIX', 'URI_MAX', 'UUID_RE', 'VOCABULARIES', 'AttributeSpec',
    'ErrorObject', 'Problem', 'RelationshipSpec', 'RemoteCluster', 'Term', 'build_create', 'build_update',
    'diff_values', 'normalize_value', 'normalize_values', 'parse_errors', 'same_value', 'validate_attributes',
    'values_from_resource',
]

NATIONAL_NAME = 'field_institution_name_in_nation'
REGISTRATION_NUMBER = 'field_registration_number'


# --------------------------------------------------------------------------------------------------------------------
# Plain values: normalization, diff, documents
# --------------------------------------------------------------------------------------------------------------------

def _field_kind(name: str) -> str:
    if name in ATTRIBUTES:
        return 'attribute'
    if name in RELATIONSHIPS:
        return 'relationship'
    raise KeyError(f'{name!r} is not a field of {CLUSTER_TYPE} (see ATTRIBUTES and RELATIONSHIPS)')


def _blank(value: Any) -> bool:
    return value is None or value == '' or value == [] or value == () or value == {}


def _plain_address(value: Any) -> dict | None:
    """The parts of the address we manage that are there, trimmed (the Atlas may return only some of them, e.g.
    country and locality); None when none is."""
    if not isinstance(value, Mapping):
        return None
    address = {key: clean_text(value.get(key)) for key in ADDRESS_KEYS}
    address = {key: part for key, part in address.items() if part}
    return address or None


def _complete_address(value: Any) -> dict | None:
    """The address as it may be sent: all three parts, else nothing (spec §5)."""
    address = _plain_address(value)
    return address if address and len(address) == len(ADDRESS_KEYS) else None


def _plain_uri(value: Any) -> str | None:
    if isinstance(value, Mapping):
        value = value.get('uri')
    return clean_text(value) if isinstance(value, str) else None


def _plain_names(value: Any) -> str | list | None:
    """``field_institution_name_in_nation``: a text, or a list of names on some Atlas sites (empty, one or
    several). Several stay a list, every name kept; one is a text."""
    if isinstance(value, (list, tuple)):
        names = national_names(value)
        return names if len(names) > 1 else (names[0] if names else None)
    return clean_text(value)


def _plain_single(value: Any) -> str | None:
    if isinstance(value, (list, tuple)):  # the MW client sent single relationships as a list
        value = value[0] if value else None
    if isinstance(value, Mapping):
        value = value.get('id')
    return value or None


def _plain_many(value: Any) -> list:
    if _blank(value):
        return []
    if isinstance(value, (str, Mapping)):
        value = [value]
    result = []
    for item in value:
        if isinstance(item, Mapping):
            item = item.get('id')
        if item and item not in result:
            result.append(item)
    return result


def normalize_value(name: str, value: Any) -> Any:
    """The plain form of one field's value: texts trimmed, blanks None (or [] for many relationships), the
    read-back quirks undone (URL object, names as a list), an address holding the parts that are there."""
    if _field_kind(name) == 'relationship':
        return _plain_many(value) if RELATIONSHIPS[name].many else _plain_single(value)
    spec = ATTRIBUTES[name]
    if spec.type == 'address':
        return _plain_address(value)
    if spec.type == 'uri':
        return _plain_uri(value)
    if name == NATIONAL_NAME:
        return _plain_names(value)
    value = clean_text(value)
    if _blank(value):
        return None
    return value


def normalize_values(values: Mapping[str, Any]) -> dict:
    """Every known field of ``values`` in its plain form (unknown keys raise KeyError)."""
    return {name: normalize_value(name, value) for name, value in values.items()}


def same_value(name: str, a: Any, b: Any) -> bool:
    """Whether value ``b`` of field ``name`` says nothing that ``a`` does not, after the one normalisation: texts
    trimmed, blanks equal, registration numbers as the local uniqueness check compares them, several national
    names against the same names as one text, many relationships as sets. For every field but the address that
    is equality. An address ``b`` is the same when each part it holds, ``a`` holds alike: a partial read-back (only
    country and locality) is not a removal, but an edited or an added part is a change."""
    a, b = normalize_value(name, a), normalize_value(name, b)
    if name in RELATIONSHIPS:
        return sorted(a) == sorted(b) if RELATIONSHIPS[name].many else a == b
    if name == REGISTRATION_NUMBER:
        return registration_number_key(a) == registration_number_key(b)
    if name == NATIONAL_NAME:
        return national_names(a) == national_names(b)
    if ATTRIBUTES[name].type == 'address':
        if not a or not b:
            return not a and not b
        return all(a.get(key) == part for key, part in b.items())
    return a == b


def diff_values(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict:
    """What ``new`` changes compared with ``old``, as plain values.

    Only the keys of ``new`` are compared: a key absent from ``new`` is not managed and never cleared (pass
    ``None`` to clear a field). Values are compared by :func:`same_value`. A ``moderation_state`` of None in
    ``new`` means "leave the state alone".
    """
    changed = {}
    for name, value in new.items():
        if name == 'moderation_state' and value is None:
            continue
        if not same_value(name, old.get(name), value):
            changed[name] = normalize_value(name, value)
    return changed


def _wire_attribute(name: str, value: Any) -> Any:
    spec = ATTRIBUTES[name]
    if value is None:
        return None
    if spec.type == 'uri':
        return {'uri': value}
    if spec.type == 'address':
        return dict(value)
    return value


def _linkage(name: str, uuid: str) -> dict:
    return {'type': TERM_TYPE_PREFIX + RELATIONSHIPS[name].vocabulary, 'id': uuid}


def _wire_relationship(name: str, value: Any) -> dict:
    if RELATIONSHIPS[name].many:
        return {'data': [_linkage(name, uuid) for uuid in value]}
    return {'data': _linkage(name, value) if value else None}


def _document(values: Mapping[str, Any], uuid: str | None = None, keep_blank: bool = False,
              names_as_list: bool = False) -> dict:
    attributes, relationships = {}, {}
    for name, value in values.items():
        value = normalize_value(name, value)
        if name == 'field_address':
            value = _complete_address(value)
            if value is None:
                continue  # an address is sent only complete, and never cleared
        if name == NATIONAL_NAME and value is not None:
            # An Atlas that holds a list of names is sent a list; one that holds a text, a text.
            value = national_names(value) if names_as_list else national_names_text(value)
        if not keep_blank and _blank(value):
            continue
        if name in ATTRIBUTES:
            attributes[name] = _wire_attribute(name, value)
        else:
            relationships[name] = _wire_relationship(name, value)
    data: dict = {'type': CLUSTER_TYPE}
    if uuid:
        data['id'] = uuid
    data['attributes'] = attributes
    if relationships:
        data['relationships'] = relationships
    return {'data': data}


def build_create(values: Mapping[str, Any]) -> dict:
    """The JSON:API document that creates a registration from plain values; blank values are left out (``False``
    is a value and is sent)."""
    return _document(values)


def build_update(uuid: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> dict | None:
    """The JSON:API document that updates registration ``uuid`` from ``old`` (best: the Atlas's own values, as read
    back) to ``new``, holding only what changed; None when nothing did. A cleared field is sent as null (an
    attribute or single relationship) or ``[]`` (a many relationship); an address only when complete."""
    changes = diff_values(old, new)
    if not changes:
        return None
    document = _document(changes, uuid=uuid, keep_blank=True,
                         names_as_list=isinstance(normalize_value(NATIONAL_NAME, old.get(NATIONAL_NAME)), list))
    data = document['data']
    return document if data['attributes'] or data.get('relationships') else None


# --------------------------------------------------------------------------------------------------------------------
# What the Atlas sends back
# --------------------------------------------------------------------------------------------------------------------

def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _linkage_ids(relationship: Any) -> Any:
    """The term UUID(s) of a relationship object ``{"data": ...}``; Drupal's "virtual" parent means none."""
    if not isinstance(relationship, Mapping):
        return None
    data = relationship.get('data')
    if isinstance(data, list):
        return [item['id'] for item in data if isinstance(item, Mapping) and item.get('id') not in (None, 'virtual')]
    if isinstance(data, Mapping):
        return data.get('id') if data.get('id') != 'virtual' else None
    return None


def values_from_resource(resource: Mapping[str, Any]) -> dict:
    """The plain values of a ``node--cluster`` resource object; fields the contract does not know are ignored."""
    attributes = resource.get('attributes') or {}
    relationships = resource.get('relationships') or {}
    values = {}
    for name in ATTRIBUTES:
        if name in attributes:
            values[name] = normalize_value(name, attributes[name])
    for name in RELATIONSHIPS:
        if name in relationships:
            values[name] = normalize_value(name, _linkage_ids(relationships[name]))
    return values


class RemoteCluster(BaseModel):
    """A registration as the Atlas holds it. Validate it from a JSON:API resource object
    (``RemoteCluster.model_validate(document['data'])``) or from its fields."""

    model_config = ConfigDict(frozen=True)

    id: str
    #: None when the Atlas left it out of the resource: the values are compared then (spec §4).
    changed: datetime | None = None
    moderation_state: str | None = None
    owner: str | None = None
    #: The ECCC's words with a state it set (Drupal's revision log message), e.g. what to revise.
    revision_message: str | None = None
    values: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode='before')
    @classmethod
    def _from_resource(cls, data: Any) -> Any:
        if not isinstance(data, Mapping) or 'attributes' not in data:
            return data
        if data.get('type') != CLUSTER_TYPE:
            raise ValueError(f'expected a {CLUSTER_TYPE} resource, got {data.get("type")!r}')
        attributes = data.get('attributes') or {}
        values = values_from_resource(data)
        return {
            'id': data.get('id'),
            'changed': attributes.get('changed'),
            'moderation_state': attributes.get('moderation_state'),
            'owner': _linkage_ids((data.get('relationships') or {}).get('uid')),
            'revision_message': attributes.get('revision_log') or None,
            'values': values,
        }

    @field_validator('changed')
    @classmethod
    def _changed_is_aware(cls, value: datetime | None) -> datetime | None:
        return _aware(value) if value is not None else None

    @property
    def title(self) -> str | None:
        return self.values.get('title')


class Term(BaseModel):
    """A taxonomy term; ``parent`` is None for a root term (Drupal's "virtual" parent)."""

    model_config = ConfigDict(frozen=True)

    id: str
    vocabulary: str
    name: str
    description: str | None = None
    parent: str | None = None
    iso_code: str | None = None

    @model_validator(mode='before')
    @classmethod
    def _from_resource(cls, data: Any) -> Any:
        if not isinstance(data, Mapping) or 'attributes' not in data:
            return data
        kind = data.get('type') or ''
        if not kind.startswith(TERM_TYPE_PREFIX):
            raise ValueError(f'expected a taxonomy term, got {kind!r}')
        attributes = data.get('attributes') or {}
        description = attributes.get('description')
        if isinstance(description, Mapping):
            description = description.get('value')
        parents = _linkage_ids((data.get('relationships') or {}).get('parent')) or []
        if isinstance(parents, str):
            parents = [parents]
        return {
            'id': data.get('id'),
            'vocabulary': kind[len(TERM_TYPE_PREFIX):],
            'name': attributes.get('name'),
            'description': description or None,
            'parent': parents[0] if parents else None,
            'iso_code': attributes.get('field_iso_code') or None,
        }


class ErrorObject(BaseModel):
    """One JSON:API error object, flattened (``source.pointer`` becomes ``pointer``)."""

    model_config = ConfigDict(frozen=True, coerce_numbers_to_str=True)

    status: str | None = None
    code: str | None = None
    title: str | None = None
    detail: str | None = None
    pointer: str | None = None

    @model_validator(mode='before')
    @classmethod
    def _flatten(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            data = {key: data[key] for key in ('status', 'code', 'title', 'detail', 'pointer', 'source') if key in data}
            source = data.pop('source', None)
            if isinstance(source, Mapping) and 'pointer' not in data:
                data['pointer'] = source.get('pointer')
        return data

    def as_jsonapi(self) -> dict:
        error = {key: getattr(self, key) for key in ('status', 'code', 'title', 'detail') if getattr(self, key)}
        if self.pointer:
            error['source'] = {'pointer': self.pointer}
        return error

    def text(self) -> str:
        """The readable part: the detail (Drupal puts the field name in front of it) or the title."""
        text = self.detail or self.title or (f'HTTP {self.status}' if self.status else 'unknown error')
        field = self.pointer.rsplit('/', 1)[-1] if self.pointer else ''
        if field and field not in ('data', 'attributes', 'relationships') and not text.startswith(field):
            text = f'{field}: {text}'
        return text


def parse_errors(document: Any) -> list[ErrorObject]:
    """The error objects of a JSON:API document (``[]`` when it holds none, or is not a document)."""
    if not isinstance(document, Mapping) or not isinstance(document.get('errors'), list):
        return []
    errors = []
    for item in document['errors']:
        try:
            errors.append(ErrorObject.model_validate(item))
        except PydanticValidationError:
            errors.append(ErrorObject(detail=str(item)[:500]))
    return errors


# --------------------------------------------------------------------------------------------------------------------
# Validation of incoming attributes, the way Drupal does it (the sandbox's strictness; also usable before sending)
# --------------------------------------------------------------------------------------------------------------------

_EMAIL_RE = re.compile(r'^[^@\s]+@[^@\s]+\.[^@\s.]+$')
_URI_RE = re.compile(r'^[A-Za-z][A-Za-z0-9+.-]*:\S+$')


def _check_email(value: str) -> str:
    if not _EMAIL_RE.match(value):
        raise ValueError('not a valid email address')
    return value


def _check_uri(value: str) -> str:
    if not _URI_RE.match(value):
        raise ValueError('uri without a scheme')
    return value


def _text(max_length: int | None) -> Any:
    return Annotated[StrictStr, StringConstraints(max_length=max_length)]


class AddressIn(BaseModel):
    model_config = ConfigDict(extra='forbid')

    country_code: Annotated[StrictStr, StringConstraints(pattern=r'^[A-Z]{2}$')] | None = None
    langcode: _text(32) | None = None
    administrative_area: _text(255) | None = None
    locality: _text(255) | None = None
    dependent_locality: _text(255) | None = None
    postal_code: _text(255) | None = None
    sorting_code: _text(255) | None = None
    address_line1: _text(255) | None = None
    address_line2: _text(255) | None = None
    address_line3: _text(255) | None = None
    organization: _text(255) | None = None
    given_name: _text(255) | None = None
    additional_name: _text(255) | None = None
    family_name: _text(255) | None = None


class LinkIn(BaseModel):
    model_config = ConfigDict(extra='forbid')

    uri: Annotated[StrictStr, StringConstraints(max_length=URI_MAX), AfterValidator(_check_uri)]
    title: _text(255) | None = None
    options: Any | None = None


def _annotation(spec: AttributeSpec) -> Any:
    if spec.type == 'bool':
        kind = StrictBool
    elif spec.type == 'email':
        kind = Annotated[StrictStr, StringConstraints(max_length=spec.max_length), AfterValidator(_check_email)]
    elif spec.type == 'address':
        kind = AddressIn
    elif spec.type == 'uri':
        kind = LinkIn
    elif spec.type == 'state':
        kind = Literal[MODERATION_STATES]
    else:
        kind = _text(spec.max_length)
    return kind | None


ClusterAttributesIn = create_model(
    'ClusterAttributesIn',
    __config__=ConfigDict(extra='forbid'),
    **{spec.name: (_annotation(spec), None) for spec in ATTRIBUTES.values()},
)


@dataclass(frozen=True)
class Problem:
    """One reason to refuse a document: the field, the JSON pointer and a Drupal-like detail."""

    field: str
    pointer: str
    detail: str
    status: int = 422


def _problem_detail(error: dict) -> str:
    loc = [str(part) for part in error['loc']]
    field, sub = loc[0], (loc[1] if len(loc) > 1 else 'value')
    kind = error['type']
    if kind == 'string_too_long':
        limit = error.get('ctx', {}).get('max_length')
        return f'{field}.0.{sub}: This value is too long. It should have {limit} characters or less.'
    if kind == 'string_pattern_mismatch' and sub == 'country_code':
        return f'{field}.0.country_code: The country code is not valid.'
    if kind == 'literal_error':
        return f'{field}: State "{error.get("input")}" does not exist on the workflow.'
    if kind == 'value_error' and 'email' in error.get('msg', ''):
        return f'{field}.0.value: This value is not a valid email address.'
    if kind == 'value_error' and 'uri' in error.get('msg', ''):
        return f"{field}.0.uri: The path '{error.get('input')}' is invalid."
    if kind == 'missing':
        return f'{field}.0.{sub}: This value should not be null.'
    if kind == 'extra_forbidden' and len(loc) > 1:
        return f'{field}: The property {sub} does not exist on this field.'
    return f'{field}.0.{sub}: This value should be of the correct primitive type.'


def validate_attributes(attributes: Any) -> list[Problem]:
    """What Drupal would refuse in the ``attributes`` member of a ``node--cluster`` write: unknown or read-only
    attributes, wrong types, over-long text, malformed e-mail, URI, country code or state. (Whether ``title`` is
    present, and who may set which state, depends on the request: the caller checks those.)"""
    if not isinstance(attributes, Mapping):
        return [Problem('attributes', '/data/attributes', 'The attributes member must be an object.', 400)]
    problems = []
    known = {}
    for name, value in attributes.items():
        if name in READ_ONLY_ATTRIBUTES:
            problems.append(Problem(name, f'/data/attributes/{name}',
                                    f'The current user is not allowed to write the selected field ({name}).', 403))
        elif name not in ATTRIBUTES:
            problems.append(Problem(name, f'/data/attributes/{name}',
                                    f'The attribute {name} does not exist on the {CLUSTER_TYPE} resource type.'))
        else:
            known[name] = value
    try:
        ClusterAttributesIn.model_validate(known)
    except PydanticValidationError as exc:
        for error in exc.errors():
            field = str(error['loc'][0])
            problems.append(Problem(field, f'/data/attributes/{field}', _problem_detail(error)))
    return problems
