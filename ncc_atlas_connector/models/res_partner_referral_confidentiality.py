import re

from odoo import models
from odoo.exceptions import UserError


class ResPartner(models.Model):
    """A security-ground referral is read by managers and the officer who referred only, while an application's
    decision, its reasons, the emails to the applicant (kept in the chatter) and its checklist are read by every
    officer. What these texts say of the referral is therefore checked: its reference, the authority's name and its
    documents stay on the referral. A refusal after an objection says that it rests on security grounds and why it
    is proportionate, without them."""

    _inherit = "res.partner"

    def _ncc_referral_terms(self):
        """What identifies this application's referrals (every round): references, authorities, document names."""
        referrals = self.env["ncc.security.referral"].sudo().search([("partner_id", "in", self._origin.ids)])
        terms = set()
        for referral in referrals:
            terms.update([referral.reference, referral.authority_id.name, referral.request_document_filename,
                          referral.outcome_document_filename])
        return sorted({term.strip() for term in terms if term and len(term.strip()) >= 3}, key=len, reverse=True)

    def _ncc_check_no_referral_details(self, *texts):
        """Raise when one of these texts, read beyond the referral's readers, names this application's referral.
        The message names no detail: who reads it may not be one who sees the referral."""
        for partner in self:
            terms = partner._ncc_referral_terms()
            if not terms:
                continue
            pattern = re.compile("|".join(rf"(?<!\w){re.escape(term)}(?!\w)" for term in terms), re.IGNORECASE)
            if any(text and pattern.search(text) for text in texts):
                raise UserError(self.env._(
                    "%(name)s: this text is read by every NCC officer (and a decision's reasons by the applicant), "
                    "while only managers and the officer who referred see the security-ground referral. Leave its "
                    "reference, the authority's name and its documents out of it.", name=partner.display_name,
                ))

    def _ncc_decide(self, decision, reason):
        self._ncc_check_no_referral_details(reason, self.env.context.get("ncc_security_reasoning"))
        return super()._ncc_decide(decision, reason)

    def action_ncc_request_information(self, message=None):
        if message:
            self._ncc_check_no_referral_details(message)
        return super().action_ncc_request_information(message=message)
