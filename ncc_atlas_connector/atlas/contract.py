"""What the Atlas contract says (``shared/spec/atlas-api.md``), stated once: the fields of a registration, their
types and limits, the vocabularies, the moderation states, the outcomes of an exchange, and how a value is
normalised before it is sent, searched or compared.

Every other module (documents, client, the Odoo models, the import) reads these tables; none restates them.
Plain Python: imports nothing from Odoo.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from .sentence import _lt

CLUSTER_TYPE = 'node--cluster'
TERM_TYPE_PREFIX = 'taxonomy_term--'

#: The vocabularies the registrations use (spec §3), with what one term of each is.
VOCABULARY_LABELS: Mapping[str, str] = MappingProxyType({
    'country': 'Country',
    'cluster_type': 'Organisation type',
    'fields_of_activity': 'Field of activity (Art. 8(3))',
    'cluster_thematic_area': 'Knowledge domain',
    'sectors': 'Sector',
    'technologies': 'Technology',
    'use_cases': 'Use case',
})
VOCABULARIES = tuple(VOCABULARY_LABELS)

#: The workflow of a registration (spec §6), in its order.
MODERATION_STATE_LABELS: Mapping[str, str] = MappingProxyType({
    'draft': 'Draft',
    'ready_for_publication': 'Ready for publication',
    'to_be_rejected': 'To be rejected',
    'published': 'Published',
    'revision_requested': 'Revision requested',
    'rejected': 'Rejected',
})
MODERATION_STATES = tuple(MODERATION_STATE_LABELS)
#: The states an NCC key may set; the others are the ECCC's decisions.
NCC_STATES = ('draft', 'ready_for_publication', 'to_be_rejected')
ECCC_STATES = tuple(state for state in MODERATION_STATES if state not in NCC_STATES)

#: Text limits (spec §5).
TITLE_MAX = 500
SHORT_TEXT = 400
LONG_TEXT = 800
REGISTRATION_NUMBER_MAX = 100
PHONE_MAX = 50
EMAIL_MAX = 254  # RFC 5321 path limit, as Drupal's email field
URI_MAX = 2048  # Drupal link field

#: The parts of ``field_address`` the clients manage; it is sent only when all three are set.
ADDRESS_KEYS = ('country_code', 'locality', 'address_line1')
#: Sub-fields Drupal's address field accepts (and returns, null when unset).
ADDRESS_ALL_KEYS = (
    'langcode', 'country_code', 'administrative_area', 'locality', 'dependent_locality', 'postal_code',
    'sorting_code', 'address_line1', 'address_line2', 'address_line3', 'organization', 'given_name',
    'additional_name', 'family_name',
)

#: How several names in the national languages read as one text (``field_institution_name_in_nation`` may be a
#: list on the Atlas: one name per national language, e.g. French / Dutch / German).
NAMES_SEPARATOR = ' / '

UUID_RE = re.compile(r'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')


@dataclass(frozen=True)
class AttributeSpec:
    """One attribute of ``node--cluster`` (spec §5).

    ``type`` is one of ``string``, ``email``, ``bool``, ``address``, ``uri``, ``state``;
    ``max_length`` applies to strings (``None``: no limit known); ``required`` marks the ``*`` of spec §5
    (required by the clients before a registration may leave draft, not by the Atlas on create).
    """

    name: str
    type: str
    max_length: int | None = None
    required: bool = False
    label: str = ''


@dataclass(frozen=True)
class RelationshipSpec:
    """One relationship of ``node--cluster`` to a vocabulary; ``many`` when it holds a list of terms.

    ``sent_by_default`` is False for ``field_country``: the Atlas derives it from the address, and sending it is
    a client setting (spec §5).
    """

    name: str
    vocabulary: str
    many: bool
    required: bool = False
    sent_by_default: bool = True
    label: str = ''


ATTRIBUTES: Mapping[str, AttributeSpec] = MappingProxyType({spec.name: spec for spec in (
    AttributeSpec('title', 'string', TITLE_MAX, True, _lt('Name in English')),
    AttributeSpec('field_institution_name_in_nation', 'string', SHORT_TEXT, True, _lt('Name in the national language')),
    AttributeSpec('field_entity_department', 'string', SHORT_TEXT, False, _lt('Entity or department')),
    AttributeSpec('field_address', 'address', None, True, _lt('Address')),
    AttributeSpec('field_general_contact_e_mail', 'email', EMAIL_MAX, True, _lt('General contact e-mail')),
    AttributeSpec('field_phone_number', 'string', PHONE_MAX, False, _lt('Phone number')),
    AttributeSpec('field_url', 'uri', URI_MAX, True, _lt('Website')),
    AttributeSpec('field_registration_number', 'string', REGISTRATION_NUMBER_MAX, False, _lt('Registration number')),
    AttributeSpec('field_question_headquarter', 'bool', None, True, _lt('Is this the main seat?')),
    # The three free texts below have no published limit; the short text limit is the safe assumption.
    AttributeSpec('field_headquarter', 'string', SHORT_TEXT, False, _lt('Headquarter')),
    AttributeSpec('field_question_subsidiaries', 'bool', None, True, _lt('Subsidiaries in other EU/EEA/EFTA states?')),
    AttributeSpec('field_subsidiaries_eu', 'string', SHORT_TEXT, False, _lt('Subsidiaries')),
    AttributeSpec('field_question_majority', 'bool', None, True, _lt('Majority shares held outside the Member State?')),
    AttributeSpec('field_majority_shares_noneu', 'string', SHORT_TEXT, False, _lt('Majority shareholders')),
    AttributeSpec('field_article_136_compliance', 'bool', None, True, _lt('Art. 136 Financial Regulation compliance')),
    AttributeSpec('field_data_sharing_consent', 'bool', None, True, _lt('Data sharing consent')),
    AttributeSpec('field_first_name', 'string', SHORT_TEXT, True, _lt('Contact first name')),
    AttributeSpec('field_family_name', 'string', SHORT_TEXT, True, _lt('Contact family name')),
    AttributeSpec('field_e_mail', 'email', EMAIL_MAX, True, _lt('Contact e-mail')),
    AttributeSpec('field_position', 'string', SHORT_TEXT, False, _lt('Contact position')),
    AttributeSpec('field_representative_phone_numbe', 'string', PHONE_MAX, False, _lt('Contact direct line')),
    AttributeSpec('field_field_of_activity_descr', 'string', LONG_TEXT, True, _lt('Expertise, detailed description')),
    AttributeSpec('field_goals_to_achieve', 'string', LONG_TEXT, False, _lt('Goals to achieve')),
    AttributeSpec('field_goals_to_contribute', 'string', LONG_TEXT, False, _lt('Goals to contribute')),
    AttributeSpec('moderation_state', 'state', None, False, _lt('Moderation state')),
)})

RELATIONSHIPS: Mapping[str, RelationshipSpec] = MappingProxyType({spec.name: spec for spec in (
    RelationshipSpec('field_cluster_type', 'cluster_type', False, True, label=_lt('Organisation type')),
    RelationshipSpec('field_field_of_activity', 'fields_of_activity', True, True, label=_lt('Fields of activity')),
    RelationshipSpec('field_cluster_thematic_area', 'cluster_thematic_area', True, label=_lt('Knowledge domains')),
    RelationshipSpec('field_sectors', 'sectors', True, label=_lt('Sectors')),
    RelationshipSpec('field_technologies', 'technologies', True, label=_lt('Technologies')),
    RelationshipSpec('field_use_cases', 'use_cases', True, label=_lt('Use cases')),
    RelationshipSpec('field_country', 'country', False, sent_by_default=False, label=_lt('Country')),
)})

#: The yes/no questions of the form.
BOOL_ATTRIBUTES = tuple(name for name, spec in ATTRIBUTES.items() if spec.type == 'bool')
#: Attributes holding free text (compared, searched and sent trimmed).
TEXT_ATTRIBUTES = tuple(name for name, spec in ATTRIBUTES.items() if spec.type in ('string', 'email', 'uri'))
#: At least one of these must hold a term before a registration leaves draft (spec §5).
TAXONOMY_DIMENSIONS = ('field_cluster_thematic_area', 'field_sectors', 'field_technologies', 'field_use_cases')

#: Attributes the Atlas computes; a client may not write them (Drupal answers 403).
READ_ONLY_ATTRIBUTES = ('changed', 'created', 'drupal_internal__nid', 'drupal_internal__vid', 'revision_timestamp',
                        'uuid', 'langcode', 'status', 'promote', 'sticky', 'default_langcode',
                        'revision_translation_affected', 'path', 'revision_log')

#: How one exchange with the Atlas ended (``client.Exchange.outcome``), for the sync log.
EXCHANGE_OUTCOMES: Mapping[str, str] = MappingProxyType({
    'ok': 'Done',
    'retryable': 'Will retry',
    'validation': 'Refused',
    'not_found': 'Not found',
    'unknown': 'Unknown outcome',
    'unexpected': 'Not an Atlas answer',
    'authentication': 'Authentication failed',
    'error': 'Error',
})


# --------------------------------------------------------------------------------------------------------------------
# Normalisation: one rule, applied to what is sent, searched and compared
# --------------------------------------------------------------------------------------------------------------------

def clean_text(value: Any) -> Any:
    """A text as the Atlas should hold it: surrounding white space removed, blank as None. The Atlas's filters
    match exactly, so a value with stray spaces would be found by nothing. Non-texts are returned as they are."""
    if isinstance(value, str):
        return value.strip() or None
    return value


def registration_number_key(number: Any) -> str:
    """A registration number as compared for duplicates, locally and with the Atlas: upper case, letters and
    digits only (``b 100-001`` is ``B100001``)."""
    return re.sub(r'[^A-Z0-9]', '', number.upper()) if isinstance(number, str) else ''


def national_names(value: Any) -> list[str]:
    """The names in the national languages, each trimmed, blanks dropped, order kept: from a list (as some Atlas
    sites return them) or from one text holding them joined by :data:`NAMES_SEPARATOR`."""
    if value is None:
        return []
    items = value if isinstance(value, (list, tuple)) else str(value).split(NAMES_SEPARATOR)
    names = []
    for item in items:
        if isinstance(item, Mapping):  # a Drupal text item {"value": ...}
            item = item.get('value')
        for name in national_names(item) if isinstance(item, (list, tuple)) else [clean_text(item)]:
            if isinstance(name, str) and name and name not in names:
                names.append(name)
    return names


def national_names_text(value: Any) -> str | None:
    """Every national-language name as one text, how a single text field (the partner's) holds them."""
    return NAMES_SEPARATOR.join(national_names(value)) or None
