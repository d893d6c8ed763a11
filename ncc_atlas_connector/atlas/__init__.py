"""The ECCC Atlas in plain Python: documents and client. Imports nothing from Odoo. (The local sandbox Atlas used
by the tests is not part of the addon: see ``atlas_sandbox/`` beside it.)

Data flows one way: plain values (a dict keyed by Atlas field names) -> JSON:API documents -> HTTP -> Atlas, and
back the same road. See ``shared/spec/atlas-api.md`` for the contract.
"""

from .client import (
    AtlasClient,
    AtlasError,
    AtlasSettings,
    AuthenticationError,
    Exchange,
    NotFoundError,
    RetryableError,
    UnknownOutcomeError,
    ValidationError,
)
from .documents import (
    ATTRIBUTES,
    MODERATION_STATES,
    NCC_STATES,
    RELATIONSHIPS,
    TAXONOMY_DIMENSIONS,
    VOCABULARIES,
    AttributeSpec,
    ErrorObject,
    RelationshipSpec,
    RemoteCluster,
    Term,
    build_create,
    build_update,
    diff_values,
    normalize_values,
    validate_attributes,
)

__all__ = [
    'ATTRIBUTES',
    'MODERATION_STATES',
    'NCC_STATES',
    'RELATIONSHIPS',
    'TAXONOMY_DIMENSIONS',
    'VOCABULARIES',
    'AtlasClient',
    'AtlasError',
    'AtlasSettings',
    'AttributeSpec',
    'AuthenticationError',
    'ErrorObject',
    'Exchange',
    'NotFoundError',
    'RelationshipSpec',
    'RemoteCluster',
    'RetryableError',
    'Term',
    'UnknownOutcomeError',
    'ValidationError',
    'build_create',
    'build_update',
    'diff_values',
    'normalize_values',
    'validate_attributes',
]
