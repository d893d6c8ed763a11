from odoo import api, fields, models

from .atlas_mapping import VOCABULARY_SELECTION as VOCABULARIES


class NccAtlasTerm(models.Model):
    """A value of one Atlas vocabulary, referenced on the Atlas by its UUID."""

    _name = "ncc.atlas.term"
    _description = "Atlas vocabulary term"
    _order = "vocabulary, parent_path, sequence, name"
    _parent_store = True

    name = fields.Char(required=True, translate=True)
    vocabulary = fields.Selection(VOCABULARIES, required=True, index=True)
    parent_id = fields.Many2one(
        "ncc.atlas.term",
        string="Parent",
        index=True,
        ondelete="restrict",
        domain="[('vocabulary', '=', vocabulary), ('parent_id', '=', False)]",
    )
    parent_path = fields.Char("Parent path", index=True)
    child_ids = fields.One2many("ncc.atlas.term", "parent_id", string="Sub-terms")
    atlas_uuid = fields.Char(string="Atlas UUID", index=True, copy=False)
    iso_code = fields.Char(string="ISO code", size=2, help="ISO 3166-1 alpha-2 code of a country term.")
    description = fields.Text()
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)

    _atlas_uuid_unique = models.Constraint(
        "UNIQUE(vocabulary, atlas_uuid)",
        "This Atlas UUID is already used by another term of the same vocabulary.",
    )

    @api.depends("name", "parent_id.name")
    def _compute_display_name(self):
        for term in self:
            term.display_name = f"{term.parent_id.name} / {term.name}" if term.parent_id else term.name
