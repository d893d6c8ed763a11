"""Listings as Drupal's JSON:API serves them: its filter syntax, sorting, and which filters an index can answer.

A filter is read into conditions ``{path, operator, values}`` and matched against a resource *view*: plain values
(no read-back quirk), relationships as term UUIDs, ``uid`` as the owner's UUID.
"""

from collections.abc import Mapping
from typing import Any

from .contract import ATTRIBUTES, Refusal

OPERATORS = ('=', '<>', '>', '>=', '<', '<=', 'STARTS_WITH', 'CONTAINS', 'ENDS_WITH', 'IN', 'NOT IN', 'IS NULL',
             'IS NOT NULL', 'BETWEEN', 'NOT BETWEEN')

#: Filter paths the store has an index for, and the key each one is.
_INDEXED_PATHS = {
    'field_registration_number': 'registration_number', 'field_registration_number.value': 'registration_number',
    'field_country': 'country', 'field_country.id': 'country',
    'uid': 'owner', 'uid.id': 'owner',
    'title': 'title', 'title.value': 'title',
}


def parse_filters(args: Any) -> list[dict]:
    """Drupal's filter syntax into conditions ``{path, operator, values}``."""
    groups: dict[str, dict] = {}
    for key, value in args.items(multi=True):
        if not key.startswith('filter['):
            continue
        name, _, rest = key[len('filter['):].partition(']')
        if not name:
            raise Refusal(400, f'Invalid filter parameter {key!r}.')
        group = groups.setdefault(name, {'path': None, 'operator': None, 'values': []})
        if rest.startswith('[condition]'):
            rest = rest[len('[condition]'):]
        if rest == '':
            group['values'].append(value)
        elif rest == '[path]':
            group['path'] = value
        elif rest == '[operator]':
            group['operator'] = value.upper() if value else None
        elif rest == '[value]' or rest.startswith('[value]['):
            group['values'].append(value)
        elif rest.startswith('[group]') or rest.startswith('[memberOf]'):
            raise Refusal(400, 'Filter groups are not supported by the sandbox.')
        else:
            raise Refusal(400, f'Invalid filter parameter {key!r}.')
    conditions = []
    for name, group in groups.items():
        operator = group['operator'] or '='
        if operator not in OPERATORS:
            raise Refusal(400, f'The filter operator "{operator}" is not allowed.')
        if not group['values'] and operator not in ('IS NULL', 'IS NOT NULL'):
            raise Refusal(400, f'The filter "{name}" has no value.')
        conditions.append({'path': group['path'] or name, 'operator': operator, 'values': group['values']})
    return conditions


def index_keys(conditions: list[dict]) -> dict:
    """The equality and ``IN`` conditions an index answers, as keys for ``Store.clusters`` (a list for ``IN``): the
    registrations they select hold every match (the conditions are still matched one by one on them)."""
    keys: dict = {}
    for condition in conditions:
        operator, values = condition['operator'], condition['values']
        if condition['path'] == 'id' and operator in ('=', 'IN'):
            wanted = values[:1] if operator == '=' else values
            keys['uuids'] = [uuid for uuid in keys['uuids'] if uuid in wanted] if 'uuids' in keys else list(wanted)
        elif condition['path'] in _INDEXED_PATHS and operator == '=':
            keys.setdefault(_INDEXED_PATHS[condition['path']], values[0])
        elif condition['path'] in _INDEXED_PATHS and operator == 'IN':
            keys.setdefault(_INDEXED_PATHS[condition['path']], list(values))  # a batch's look-up: one request
    return keys


def resolve(view: dict, path: str) -> list:
    """The values at ``path`` in a resource view (a many relationship gives several)."""
    if path == 'id':
        return [view['id']]
    head, _, tail = path.partition('.')
    relationships, attributes = view['relationships'], view['attributes']
    if head in relationships:
        if tail not in ('', 'id', 'target_id', 'meta.drupal_internal__target_id'):
            raise Refusal(400, f'Invalid nested filtering: the sandbox filters relationships on "id" only, not '
                               f'"{path}".')
        value = relationships[head]
        return list(value) if isinstance(value, list) else [value]
    if head not in ATTRIBUTES and head not in attributes:
        raise Refusal(400, f'Invalid nested filtering. The field `{head}`, given in the path `{path}`, does not '
                           'exist.')
    value = attributes.get(head)
    if isinstance(value, Mapping):
        value = value.get(tail or ('uri' if 'uri' in value else 'value'))
    elif tail and tail != 'value':
        raise Refusal(400, f'Invalid nested filtering. The property `{tail}` of `{head}` does not exist.')
    return list(value) if isinstance(value, list) else [value]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return '1' if value else '0'
    return str(value)


def _compare(operator: str, actual: str | None, wanted: list[str]) -> bool:
    if operator == 'IS NULL':
        return actual in (None, '')
    if operator == 'IS NOT NULL':
        return actual not in (None, '')
    if actual is None:
        return operator in ('<>', 'NOT IN')
    wanted = [{'true': '1', 'false': '0'}.get(item.lower(), item) if actual in ('0', '1') else item
              for item in wanted]
    first = wanted[0]
    if operator == '=':
        return actual == first
    if operator == '<>':
        return actual != first
    if operator == 'IN':
        return actual in wanted
    if operator == 'NOT IN':
        return actual not in wanted
    if operator == 'CONTAINS':
        return first.lower() in actual.lower()
    if operator == 'STARTS_WITH':
        return actual.lower().startswith(first.lower())
    if operator == 'ENDS_WITH':
        return actual.lower().endswith(first.lower())
    if operator in ('BETWEEN', 'NOT BETWEEN'):
        inside = len(wanted) >= 2 and wanted[0] <= actual <= wanted[1]
        return inside if operator == 'BETWEEN' else not inside
    return {'>': actual > first, '>=': actual >= first, '<': actual < first, '<=': actual <= first}[operator]


def matches(view: dict, condition: dict) -> bool:
    values = [_text(value) for value in resolve(view, condition['path'])] or [None]
    if condition['operator'] in ('<>', 'NOT IN', 'IS NULL'):
        return all(_compare(condition['operator'], value, condition['values']) for value in values)
    return any(_compare(condition['operator'], value, condition['values']) for value in values)


def sort_key(values: list) -> tuple:
    value = values[0] if values else None
    return (value is None, _text(value) or '')
