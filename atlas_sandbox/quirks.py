"""The Atlas's read-back quirks (spec §4), each switchable, so that a client can be tested with and without them.

Each quirk has a mode: ``never``, ``always``, or ``odd`` / ``even``: for the registrations whose node id is odd or
even (quirks of a resource), or for the pages whose number (``page[offset] / page[limit]``, from 0) is odd or even
(quirks of a listing). ``odd`` on every quirk gives a mix in every listing, as the real site serves.

Quirks of a resource:
- ``url_as_string``: ``field_url`` is a plain string instead of ``{"uri", "title", "options"}``;
- ``name_in_nation_as_list``: ``field_institution_name_in_nation`` is a list (empty, or of one name) instead of
  a string or null. Several national names, when the Atlas holds several, are always a list of them all: a test
  serves them by giving a registration several names (``add_cluster`` / ``edit_cluster`` with a list);
- ``partial_address``: ``field_address`` holds only the parts the Atlas has (e.g. ``country_code`` and
  ``locality`` of an address entered on the Atlas in part), without the others as null. An address held in part
  is data: a test gives a registration one (``add_cluster`` / ``edit_cluster``);
- ``missing_changed``: the resource has no ``changed`` attribute (in listings; reading one registration has it).

Quirks of a listing page:
- ``relative_next``: ``links.next`` is relative to the JSON:API root (``/node/cluster?page...``);
- ``next_drops_query``: ``links.next`` keeps only ``page[offset]`` (and a key sent as a parameter): it drops the
  listing's ``page[limit]``, ``sort`` and filters;
- ``page_without_data``: an empty page comes without a ``data`` member.

A plan is a JSON object of modes, e.g. ``{"url_as_string": "always", "relative_next": "odd"}``; a field left out
keeps its default, and ``"*"`` sets every field left out. ``"all"`` is every quirk ``odd``, ``"none"`` every quirk
``never``.
"""

import json
from pathlib import Path
from typing import Any, Literal, Union

from pydantic import BaseModel, ConfigDict

Mode = Literal['never', 'always', 'odd', 'even']
MODES = ('never', 'always', 'odd', 'even')


class Quirks(BaseModel):
    model_config = ConfigDict(extra='forbid', frozen=True)

    url_as_string: Mode = 'never'
    name_in_nation_as_list: Mode = 'odd'
    partial_address: Mode = 'never'
    missing_changed: Mode = 'never'
    relative_next: Mode = 'never'
    next_drops_query: Mode = 'never'
    page_without_data: Mode = 'never'

    def applies(self, quirk: str, number: int) -> bool:
        """Whether ``quirk`` is served to the registration of node id (or the page of number) ``number``."""
        mode = getattr(self, quirk)
        return mode == 'always' or (mode == 'odd' and number % 2 == 1) or (mode == 'even' and number % 2 == 0)

    @classmethod
    def every(cls, mode: str, **overrides: str) -> 'Quirks':
        return cls.model_validate({**dict.fromkeys(cls.model_fields, mode), **overrides})

    @classmethod
    def parse(cls, value: Union[None, str, dict, 'Quirks']) -> 'Quirks':
        """Quirks from None (the defaults), a dict, quirks, ``all``, ``none``, JSON text or ``@path/to/file.json``."""
        if value is None:
            return cls()
        if isinstance(value, cls):
            return value
        if isinstance(value, str):
            text = value.strip()
            if text in ('all', 'none'):
                return cls.every('odd' if text == 'all' else 'never')
            if text.startswith('@'):
                text = Path(text[1:]).read_text(encoding='utf-8')
            value = json.loads(text) if text else {}
        if not isinstance(value, dict):
            raise ValueError('quirks are a JSON object of modes, "all" or "none"')
        value = dict(value)
        rest: Any = value.pop('*', None)
        if rest is not None:
            return cls.every(rest, **value)
        return cls.model_validate(value)
