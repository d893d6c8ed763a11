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
    @api.depends_context("ncc_term_leaf_first")
    def _compute_display_name(self):
        # As tags on a form (context ncc_term_leaf_first), a sub-term comes first and its parent is shortened to
        # what precedes its parenthesis: "Digital signatures · Cryptology", where a cut-off "Cryptology
        # (Cryptography and Cryp…" told the sub-domains of one domain apart from none.
        leaf_first = self.env.context.get("ncc_term_leaf_first")
        for term in self:
            if term.parent_id and leaf_first:
                term.display_name = f"{term.name} · {term.parent_id.name.split(' (')[0]}"
            else:
                term.display_name = f"{term.parent_id.name} / {term.name}" if term.parent_id else term.name
