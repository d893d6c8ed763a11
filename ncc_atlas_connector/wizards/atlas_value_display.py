"""Atlas values as a person reads them in the wizards: labels, term names, yes/no, one-line addresses."""

from odoo import _

from ..atlas import ATTRIBUTES, RELATIONSHIPS, national_names_text
from ..atlas.documents import normalize_value
from ..models.atlas_mapping import field_label  # noqa: F401 - the wizards' labels come from the one table


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
    if isinstance(value, list):  # several names in the national languages
        return national_names_text(value) or "-"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return str(value) if value not in (None, "") else "-"
