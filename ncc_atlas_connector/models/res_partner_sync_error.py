from odoo import api, fields, models

from ..atlas.sentence import Sentence, as_sentence

OFFICER = "ncc_atlas_connector.group_ncc_officer"


class ResPartner(models.Model):
    """The last sync error, in the reader's language. What is stored is what happened: the sentence's English
    template and its values (``ncc_sync_problem``), written by the sync in whatever language it runs (a cron's is
    English); ``ncc_sync_error`` shows it translated for whoever reads it. Code writes ``ncc_sync_error`` as
    before, preferably a :class:`Sentence` (a plain text is kept as it is, untranslated)."""

    _inherit = "res.partner"

    ncc_sync_problem = fields.Json("Last sync error (as recorded)", copy=False, readonly=True, groups=OFFICER)
    ncc_sync_error = fields.Text("Last sync error", compute="_compute_ncc_sync_error", groups=OFFICER)

    @api.depends("ncc_sync_problem")
    @api.depends_context("lang")
    def _compute_ncc_sync_error(self):
        for partner in self:
            sentence = Sentence.from_json(partner.ncc_sync_problem)
            partner.ncc_sync_error = sentence.translate(partner._ncc_gettext) if sentence else False

    def _ncc_gettext(self, template, **params):
        return self.env._(template, **params)

    @api.model
    def _ncc_words(self, message):
        """A message of the Atlas client (a Sentence, or any text) in this environment's language."""
        return as_sentence(message).translate(self._ncc_gettext)

    @api.model
    def _ncc_sync_problem_vals(self, vals):
        """``vals`` with a written ``ncc_sync_error`` turned into the ``ncc_sync_problem`` it is stored as."""
        if "ncc_sync_error" not in vals:
            return vals
        vals = dict(vals)
        message = vals.pop("ncc_sync_error")
        vals["ncc_sync_problem"] = as_sentence(message).as_json() if message else False
        return vals

    @api.model_create_multi
    def create(self, vals_list):
        return super().create([self._ncc_sync_problem_vals(vals) for vals in vals_list])

    def write(self, vals):
        return super().write(self._ncc_sync_problem_vals(vals))
