"""The Odoo side of the Atlas contract, stated once: which partner field holds which Atlas attribute, which stage a
moderation state means, the selections built from the contract's tables, and the settings prefix.

The Atlas's own facts (fields, limits, vocabularies, states, normalisation) are in ``atlas/contract.py``; this
module only says where they live in Odoo. The sync, the models, the import and the wizards read these tables; none
restates them. Not a model.
"""

from datetime import timezone

from ..atlas import (
    ATTRIBUTES,
    EXCHANGE_OUTCOMES,
    MODERATION_STATE_LABELS,
    MODERATION_STATES,
    RELATIONSHIPS,
    TAXONOMY_DIMENSIONS,
    VOCABULARY_LABELS,
)

#: Prefix of every setting of the addon in ``ir.config_parameter``.
PARAM_PREFIX = "ncc_atlas_connector."

MODERATION_STATE_SELECTION = list(MODERATION_STATE_LABELS.items())
VOCABULARY_SELECTION = list(VOCABULARY_LABELS.items())
OUTCOME_SELECTION = list(EXCHANGE_OUTCOMES.items())

# The one mapping between the registration record and the Atlas (spec §5): Atlas attribute -> partner field.
# Read by the push (partner -> Atlas) and by the import and "take remote" (Atlas -> partner).
ATTRIBUTE_FIELDS = {
    "title": "name",
    "field_institution_name_in_nation": "ncc_name_national",
    "field_entity_department": "ncc_department",
    "field_general_contact_e_mail": "email",
    "field_phone_number": "phone",
    "field_url": "website",
    "field_registration_number": "company_registry",
    "field_question_headquarter": "ncc_is_headquarters",
    "field_headquarter": "ncc_headquarters_details",
    "field_question_subsidiaries": "ncc_has_subsidiaries",
    "field_subsidiaries_eu": "ncc_subsidiaries_details",
    "field_question_majority": "ncc_has_majority_outside",
    "field_majority_shares_noneu": "ncc_majority_outside_details",
    "field_article_136_compliance": "ncc_no_exclusion",
    "field_data_sharing_consent": "ncc_data_sharing_consent",
    "field_field_of_activity_descr": "ncc_expertise_description",
    "field_goals_to_achieve": "ncc_goals_to_achieve",
    "field_goals_to_contribute": "ncc_goals_to_contribute",
}
# The contact person: attributes read from the representative child contact.
REPRESENTATIVE_FIELDS = {
    "field_first_name": "ncc_first_name",
    "field_family_name": "ncc_family_name",
    "field_e_mail": "email",
    "field_position": "function",
    "field_representative_phone_numbe": "phone",
}
RELATIONSHIP_FIELDS = {
    "field_cluster_type": "ncc_cluster_type_id",
    "field_field_of_activity": "ncc_field_of_activity_ids",
    "field_cluster_thematic_area": "ncc_thematic_area_ids",
    "field_sectors": "ncc_sector_ids",
    "field_technologies": "ncc_technology_ids",
    "field_use_cases": "ncc_use_case_ids",
    "field_country": "ncc_country_term_id",
}
ADDRESS_FIELDS = {"country_code": "country_id", "locality": "city", "address_line1": "street"}

assert set(ATTRIBUTE_FIELDS) | set(REPRESENTATIVE_FIELDS) | {"field_address", "moderation_state"} == set(ATTRIBUTES)
assert set(RELATIONSHIP_FIELDS) == set(RELATIONSHIPS)


def _text_limits(fields_by_attribute):
    return {
        fname: ATTRIBUTES[name].max_length
        for name, fname in fields_by_attribute.items()
        if ATTRIBUTES[name].type == "string" and ATTRIBUTES[name].max_length
    }


#: Partner field -> the Atlas's limit on its text.
TEXT_LIMITS = _text_limits(ATTRIBUTE_FIELDS)
#: Contact person field -> the Atlas's limit on its text.
REPRESENTATIVE_TEXT_LIMITS = _text_limits(REPRESENTATIVE_FIELDS)
#: Link field -> the vocabulary its terms come from (the country term follows the partner's country).
TERM_VOCABULARIES = {
    fname: RELATIONSHIPS[name].vocabulary for name, fname in RELATIONSHIP_FIELDS.items() if name != "field_country"
}
#: The taxonomy dimensions, as partner fields: at least one holds a term before a registration leaves draft.
TAXONOMY_FIELDS = tuple(RELATIONSHIP_FIELDS[name] for name in TAXONOMY_DIMENSIONS)

#: Moderation state -> the kind of stage it means (spec §6, assessment.md "A pipeline that fits"): a draft is still
#: in the NCC's hands, being assessed; ``to_be_rejected`` is the NCC's own refusal or revocation.
STATE_STAGE_KINDS = {
    "draft": "assessment",
    "ready_for_publication": "eccc_review",
    "to_be_rejected": "rejected",
    "published": "member",
    "revision_requested": "revision",
    "rejected": "rejected",
}
assert set(STATE_STAGE_KINDS) == set(MODERATION_STATES)
#: States the NCC sets from its own pipeline: read back by the sync they confirm where it stands and never move
#: it (an edit may send a published registration back to draft, spec §6). The import, which has no pipeline to
#: confirm yet, places by them.
SYNC_KEEPS_STAGE_STATES = ("draft", "to_be_rejected")


def field_label(name, env=None):
    """The label of an Atlas attribute or relationship, for a person: in the language of ``env``, else English
    (a Sentence, which a stored message keeps to show it in the reader's language)."""
    spec = ATTRIBUTES.get(name) or RELATIONSHIPS.get(name)
    label = spec.label if spec and spec.label else name
    return env._(label) if env is not None else label


def naive_utc(value):
    """An aware datetime as the naive UTC value Odoo stores (None stays None)."""
    return value.astimezone(timezone.utc).replace(tzinfo=None) if value and value.tzinfo else value


def as_list(value):
    """A many relationship's UUIDs or a single one's, as a list."""
    if not value:
        return []
    return value if isinstance(value, list) else [value]
