from odoo import fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from .ncc_assessment_stage import WORK_KINDS
from .res_partner_assessment import OFFICER_GROUP, REVOCABLE_KINDS

# Kinds in which an application can be referred: while it is assessed, and a registration (revocation for
# justified security reasons, Art. 8(4)).
REFERABLE_KINDS = WORK_KINDS + REVOCABLE_KINDS
# A refusal after an objection says, in these many characters at least, why it is proportionate.
MIN_SECURITY_REASONING = 100


class ResPartner(models.Model):
    """The security-ground referrals of an application and how they gate its decision: no decision while the
    competent authority has the application; after an objection, no approval and only a refusal that is reasoned
    and proportionate; after no objection, or no answer in time, the NCC decides on its own assessment."""

    _inherit = "res.partner"

    ncc_security_referral_ids = fields.One2many(
        "ncc.security.referral", "partner_id", "Security-ground referrals", copy=False, groups=OFFICER_GROUP,
    )

    def _ncc_security_referral_latest(self):
        """The last referral of this application's current round (whoever reads it: the gates see every
        referral). An earlier round's referral stays readable on it, and gates nothing any more."""
        self.ensure_one()
        partner = self._origin.sudo()
        return self.env["ncc.security.referral"].sudo().search(
            [("partner_id", "=", partner.id), ("round_id", "=", partner.ncc_round_id.id)], limit=1)

    def _ncc_check_referable(self):
        self.ensure_one()
        env = self.env
        if not self.ncc_is_applicant or not self.ncc_submitted_date or self.ncc_stage_kind not in REFERABLE_KINDS:
            raise UserError(env._("Only a submitted application or a registration can be referred to the "
                                  "competent authority (%(name)s).", name=self.display_name))
        if self._ncc_security_referral_latest().outcome == "pending":
            raise UserError(env._("%(name)s is already referred to the competent authority: record the outcome "
                                  "of that referral first.", name=self.display_name))

    def action_ncc_refer_security(self):
        """Refer the application to the competent authority: the referral's form, for this application."""
        self.ensure_one()
        if not self.env.user.has_group(OFFICER_GROUP):
            raise AccessError(self.env._("Only NCC officers refer applications to the competent authority."))
        self.sudo()._ncc_check_referable()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Refer to the competent authority"),
            "res_model": "ncc.security.referral",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_id": self.id},
        }

    # --- the gates -------------------------------------------------------------------------------------------------

    def _ncc_check_approvable(self):
        for partner in self:
            latest = partner._ncc_security_referral_latest()
            self.env["ncc.security.referral"]._check_decidable(partner)
            if latest.outcome == "objection":
                raise ValidationError(self.env._(
                    "%(name)s cannot be approved: the competent authority objected on security grounds. The "
                    "decision is a reasoned, proportionate refusal.", name=partner.display_name,
                ))
        return super()._ncc_check_approvable()

    def _ncc_check_move(self, stage, vals):
        super()._ncc_check_move(stage, vals)
        # the ECCC's own refusal and the applicant's withdrawal do not wait for the authority
        if stage.kind == "rejected" and not self._ncc_is_system() and vals.get("ncc_decision") != "withdrawn":
            self.env["ncc.security.referral"]._check_decidable(self)

    def action_ncc_reject(self, reason=None, security_reasoning=None):
        return super(ResPartner, self._ncc_with_security_reasoning(security_reasoning)).action_ncc_reject(reason)

    def action_ncc_revoke(self, reason=None, security_reasoning=None):
        return super(ResPartner, self._ncc_with_security_reasoning(security_reasoning)).action_ncc_revoke(reason)

    def _ncc_with_security_reasoning(self, text):
        return self.with_context(ncc_security_reasoning=text) if text is not None else self

    def _ncc_decide(self, decision, reason):
        """After an objection, a refusal states its security grounds and why refusing is proportionate, in a text
        of its own that the applicant receives with the reasons."""
        if decision not in ("rejected", "revoked"):  # a withdrawal is the applicant's: nothing to weigh
            return super()._ncc_decide(decision, reason)
        self.env["ncc.security.referral"]._check_decidable(self)
        objected = self.filtered(lambda partner: partner._ncc_security_referral_latest().outcome == "objection")
        if objected and (reason or "").strip():
            reasoning = (self.env.context.get("ncc_security_reasoning") or "").strip()
            if len(reasoning) < MIN_SECURITY_REASONING:
                raise UserError(self.env._(
                    "The competent authority objected on security grounds (%(names)s): say which grounds the "
                    "refusal rests on and why refusing is proportionate, in %(count)s characters at least.",
                    names=", ".join(objected.mapped("display_name")), count=MIN_SECURITY_REASONING,
                ))
            heading = self.env._("Security grounds and proportionality:")
            reason = f"{reason.strip()}\n\n{heading}\n{reasoning}"
        return super()._ncc_decide(decision, reason)
