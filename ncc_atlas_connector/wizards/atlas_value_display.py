"""Atlas values as a person reads them in the wizards: labels, term names, yes/no, one-line addresses."""

from odoo import _

from ..atlas import ATTRIBUTES, RELATIONSHIPS
from ..atlas.documents import normalize_value


def field_label(key):
    spec = ATTRIBUTES.get(key) or RELATIONSHIPS.get(key)
    return spec.label if spec and spec.label else key


def display_value(env, key, value):
    """``value`` of the Atlas field ``key``, in words; "-" when blank."""
    if key not in ATTRIBUTES and key not in RELATIONSHIPS:
        return "-"
    try:
        value = normalize_value(key, value)
    except (TypeError, ValueError, AttributeError):
        return str(value) if value else "-"  # shown as it came: the person still sees what the Atlas holds
    if key in RELATIONSHIPS:
        uuids = value if isinstance(value, list) else [value] if value else []
        terms = env["ncc.atlas.term"].with_context(active_test=False).search([("atlas_uuid", "in", uuids)])
        names = terms.mapped("display_name") + [_("unknown term %s", u) for u in set(uuids) - set(terms.mapped(
            "atlas_uuid"))]
        return ", ".join(names) or "-"
    if isinstance(value, dict):
        return ", ".join(str(v) for v in value.values() if v) or "-"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return str(value) if value not in (None, "") else "-"
