"""Consent evidence of a registration: each change of a declaration leaves an ``ncc.consent.evidence`` record.

A declaration written by the Atlas synchronisation or the Atlas import (``ncc_atlas_write`` in the context) has no
local evidence: it is recorded as coming from the Atlas, with no notice version, never as a consent given here.
"""

from odoo import api, fields, models

from .res_partner_registration import DECLARATIONS, OFFICER


class ResPartner(models.Model):
    _inherit = "res.partner"

    ncc_consent_evidence_ids = fields.One2many(
        "ncc.consent.evidence", "partner_id", "Consent evidence", readonly=True, copy=False, groups=OFFICER
    )
    ncc_consent_state = fields.Selection(
        [("local", "Recorded here"), ("missing", "No local consent evidence")],
        "Consent evidence state",
        compute="_compute_ncc_consent_state",
        groups=OFFICER,
        help="Whether every declaration given has evidence recorded here (date and notice version shown). "
        "Registrations imported from the Atlas have none.",
    )

    @api.depends("ncc_consent_evidence_ids", *DECLARATIONS)
    def _compute_ncc_consent_state(self):
        for partner in self:
            given = [flag for flag in DECLARATIONS if partner[flag]]
            latest = {}
            for evidence in partner.ncc_consent_evidence_ids.sorted(lambda e: (e.date, e.id)):
                latest[evidence.declaration] = evidence
            if not given:
                partner.ncc_consent_state = False
            elif all(flag in latest and latest[flag].source == "odoo" for flag in given):
                partner.ncc_consent_state = "local"
            else:
                partner.ncc_consent_state = "missing"

    @api.model_create_multi
    def create(self, vals_list):
        partners = super().create(vals_list)
        partners._ncc_record_consent({p: {} for p in partners})
        return partners

    def write(self, vals):
        if not DECLARATIONS.keys() & vals.keys():
            return super().write(vals)
        before = {partner: {flag: partner.sudo()[flag] for flag in DECLARATIONS} for partner in self}
        result = super().write(vals)
        self._ncc_record_consent(before)
        return result

    def _ncc_record_consent(self, before):
        """Evidence for each declaration that changed from ``before`` ({partner: {flag: value}})."""
        changed = [
            (partner, flag, partner.sudo()[flag])
            for partner, old in before.items()
            for flag in DECLARATIONS
            if bool(partner.sudo()[flag]) != bool(old.get(flag, False))
        ]
        if not changed:
            return  # the usual case, every ordinary contact: not even the notice is read
        from_atlas = bool(self.env.context.get("ncc_atlas_write"))
        notice = self.env["ncc.privacy.notice"] if from_atlas else self.env["ncc.privacy.notice"]._current()
        now = fields.Datetime.now()
        self.env["ncc.consent.evidence"].sudo().create([
            {
                "partner_id": partner.id,
                "declaration": flag,
                "given": given,
                "date": now,
                "notice_id": notice.id,
                "source": "atlas" if from_atlas else "odoo",
                "user_id": self.env.uid,
            }
            for partner, flag, given in changed
        ])
