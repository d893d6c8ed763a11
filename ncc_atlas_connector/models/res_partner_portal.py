"""The applicant's side of its application, as the status page on the portal (``/my/ncc/application``) shows it.

The representative gets a portal account (Odoo's signup invitation) and sees the stage in its own words, the dates
and the messages exchanged with the NCC; while a request for information is open it answers, corrects the
registration and resubmits; it may withdraw the application. The portal user has no access to any of the addon's
fields or models: the controller finds the user's own application and works on it under sudo, through the methods
below, so that the model's own rules (validation, gates, decision records) apply as for the back office.
"""

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.mail import plaintext2html
from odoo.tools.misc import clean_context

from .ncc_assessment_stage import WORK_KINDS
from .res_partner_assessment import DECISION_TEMPLATES

OFFICER = "ncc_atlas_connector.group_ncc_officer"
ANSWER_ACTIVITY = "ncc_atlas_connector.mail_activity_type_ncc_applicant_answer"
INFORMATION_ACTIVITY = "ncc_atlas_connector.mail_activity_type_ncc_information"

# The applicant's words for where its application stands.
PORTAL_STATUSES = [
    ("received", "Received"),
    ("assessed", "Being assessed"),
    ("information", "Information requested"),
    ("decided", "Decided: approved"),
    ("eccc", "Sent to the ECCC"),
    ("member", "Member of the Community"),
    ("not_accepted", "Not accepted"),
    ("revoked", "Registration revoked"),
    ("withdrawn", "Withdrawn"),
]
# (stage kind, what qualifies it) -> the applicant's word. The qualifier is "information" while a request for
# information is open in a stage of the NCC's work, the decision kind in the rejected stage, else None.
PORTAL_STATUS_BY_STAGE = {
    # A draft is an application the NCC holds before its assessment starts (a new round, one entered for the
    # applicant): to the applicant, it has been received.
    ("draft", None): "received",
    ("intake", None): "received",
    ("intake", "information"): "information",
    ("assessment", None): "assessed",
    ("assessment", "information"): "information",
    ("revision", None): "assessed",
    ("revision", "information"): "information",
    ("approved", None): "decided",
    ("eccc_review", None): "eccc",
    ("member", None): "member",
    ("rejected", None): "not_accepted",
    ("rejected", "rejected"): "not_accepted",
    ("rejected", "revoked"): "revoked",
    ("rejected", "withdrawn"): "withdrawn",
}
# Registration fields the applicant may correct while a request for information is open (company fields, and the
# contact person's through the company's related fields).
PORTAL_CORRECTABLE_FIELDS = (
    "ncc_name_national",
    "street",
    "zip",
    "city",
    "website",
    "email",
    "phone",
    "ncc_expertise_description",
    "ncc_goals_to_achieve",
    "ncc_goals_to_contribute",
    "ncc_representative_function",
    "ncc_representative_phone",
)
# What the portal accepts in one answer.
ANSWER_MAX_CHARS = 10000
ANSWER_MAX_FILES = 5
ANSWER_MAX_FILE_BYTES = 10 * 1024 * 1024
WITHDRAWAL_MAX_CHARS = 2000


class ResPartner(models.Model):
    _inherit = "res.partner"

    ncc_information_open = fields.Boolean(
        "Information request open",
        copy=False,
        tracking=True,
        groups=OFFICER,
        help="The NCC asked the applicant for information and the applicant has not resubmitted yet.",
    )
    ncc_portal_status = fields.Selection(
        PORTAL_STATUSES,
        "Status for the applicant",
        compute="_compute_ncc_portal_status",
        groups=OFFICER,
        help="Where the application stands, in the words of the applicant's status page.",
    )

    @api.depends("ncc_stage_kind", "ncc_information_open", "ncc_decision")
    def _compute_ncc_portal_status(self):
        for partner in self:
            kind = partner.ncc_stage_kind
            if kind in WORK_KINDS and partner.ncc_information_open:
                qualifier = "information"
            elif kind == "rejected":
                qualifier = partner.ncc_decision or None
            else:
                qualifier = None
            partner.ncc_portal_status = PORTAL_STATUS_BY_STAGE.get((kind, qualifier)) or PORTAL_STATUS_BY_STAGE.get(
                (kind, None), False)

    # --- the portal account ------------------------------------------------------------------------------------

    def _ncc_portal_grant_access(self):
        """Give each company's Community representative a portal account with Odoo's signup invitation (as the
        "Grant portal access" wizard does). A representative who already has an account keeps it; one who
        cannot get one (no valid email, or the address is another user's login) is left to the officer, told in
        the chatter. Returns the representatives' users."""
        users = self.env["res.users"]
        for company in self.sudo():
            person = company.ncc_representative_id
            if not person:
                continue
            if person.with_context(active_test=False).user_ids:
                users |= person.with_context(active_test=False).user_ids[:1]
                continue
            wizard = self.env["portal.wizard"].sudo().create({"partner_ids": [Command.link(person.id)]})
            try:
                with self.env.cr.savepoint():
                    wizard.user_ids.action_grant_access()
            except UserError as exc:
                company.message_post(
                    body=self.env._("No portal account for %(person)s: %(reason)s", person=person.name,
                                    reason=str(exc)),
                    subtype_xmlid="mail.mt_note",
                )
                continue
            users |= person.user_ids[:1]
        return users

    # --- what the status page shows ----------------------------------------------------------------------------

    @api.model
    def _ncc_portal_application(self, user):
        """The application ``user`` represents, under sudo, or an empty recordset: a portal user's own company's
        application, nobody else's."""
        person = user.partner_id
        if not person or not user.active:
            return self.sudo().browse()
        return self.sudo().search([
            ("ncc_representative_id", "=", person.id),
            ("ncc_is_applicant", "=", True),
            ("ncc_stage_id", "!=", False),
        ], limit=1)

    def _ncc_portal_published_date(self):
        """When the current round reached the member stage (published by the ECCC)."""
        self.ensure_one()
        stays = self.sudo().ncc_stage_history_ids.filtered(
            lambda stay: stay.kind == "member" and stay.round_id == self.sudo().ncc_round_id)
        return stays and min(stays.mapped("date_in"))

    def _ncc_portal_people(self):
        """The applicant's side of the conversation: the company and its contacts."""
        self.ensure_one()
        return self | self.with_context(active_test=False).child_ids

    def _ncc_portal_messages(self):
        """The messages exchanged with the applicant, newest first: emails and comments to or from the company or
        its contacts, never internal notes, tracking or logs."""
        self.ensure_one()
        people = self._ncc_portal_people()
        comment = self.env.ref("mail.mt_comment")
        messages = self.env["mail.message"].sudo().search([
            ("model", "=", self._name),
            ("res_id", "=", self.id),
            ("message_type", "in", ("email", "comment", "email_outgoing")),
            ("subtype_id", "=", comment.id),
            "|", ("author_id", "in", people.ids), ("partner_ids", "in", people.ids),
        ], order="date desc, id desc")
        return messages

    def _ncc_portal_can_answer(self):
        self.ensure_one()
        return self.ncc_information_open and self.ncc_stage_kind in WORK_KINDS

    def _ncc_portal_can_withdraw(self):
        self.ensure_one()
        return bool(self.ncc_stage_id) and self.ncc_stage_kind != "rejected"

    def _ncc_portal_values(self):
        """The values of the status page, under sudo, in the language of the environment."""
        self.ensure_one()
        company = self.sudo()
        labels = dict(self._fields["ncc_portal_status"]._description_selection(self.env))
        correctable = {name: company[name] or "" for name in PORTAL_CORRECTABLE_FIELDS}
        messages = company._ncc_portal_messages()
        messages.attachment_ids.sudo().generate_access_token()  # the applicant downloads what was exchanged
        return {
            "company": company,
            "status": company.ncc_portal_status,
            "status_label": labels.get(company.ncc_portal_status, ""),
            "submitted_date": company.ncc_submitted_date,
            "decided_date": company.ncc_decision_id.date if company.ncc_decision in (
                "approved", "rejected", "revoked", "withdrawn") else False,
            "published_date": company._ncc_portal_published_date(),
            "reasons": company.ncc_decision_reason if company.ncc_portal_status in (
                "not_accepted", "revoked", "withdrawn") else False,
            "information_request": company.ncc_information_request if company._ncc_portal_can_answer() else False,
            "can_answer": company._ncc_portal_can_answer(),
            "can_withdraw": company._ncc_portal_can_withdraw(),
            "messages": messages,
            "attachment_tokens": {attachment.id: attachment.access_token for attachment in messages.attachment_ids},
            "people": company._ncc_portal_people(),
            "correctable": correctable,
            "field_labels": {name: self._fields[name]._description_string(self.env)
                             for name in PORTAL_CORRECTABLE_FIELDS},
            "limits": {"answer_chars": ANSWER_MAX_CHARS, "files": ANSWER_MAX_FILES,
                       "file_mb": ANSWER_MAX_FILE_BYTES // (1024 * 1024), "withdrawal_chars": WITHDRAWAL_MAX_CHARS},
        }

    # --- what the applicant does -------------------------------------------------------------------------------

    def _ncc_portal_require_open_request(self):
        if not self._ncc_portal_can_answer():
            raise UserError(self.env._("Your National Coordination Centre has no open request for information on "
                                       "this application."))

    def _ncc_portal_officer(self):
        """Who on the NCC's side hears of the applicant's answer: the assessor, else the officer who asked."""
        self.ensure_one()
        company = self.sudo()
        if company.ncc_assessor_id:
            return company.ncc_assessor_id
        activity = company.activity_ids.filtered(
            lambda act: act.activity_type_id == self.env.ref(INFORMATION_ACTIVITY, raise_if_not_found=False))
        return activity[:1].user_id

    def _ncc_portal_answer(self, user, body, files=()):
        """Post the applicant's answer (its text and files, ``files`` as (name, bytes) pairs) in the chatter, to
        the officer. Raises a UserError in words when the answer is too long, has too many or too big files."""
        self.ensure_one()
        env = self.env
        self._ncc_portal_require_open_request()
        body = (body or "").strip()
        files = [(name, data) for name, data in files if name or data]
        if not body and not files:
            raise UserError(env._("Write your answer or attach a file."))
        if len(body) > ANSWER_MAX_CHARS:
            raise UserError(env._("Your answer is %(length)s characters long; at most %(limit)s are accepted.",
                                  length=len(body), limit=ANSWER_MAX_CHARS))
        if len(files) > ANSWER_MAX_FILES:
            raise UserError(env._("Attach at most %(limit)s files to one answer.", limit=ANSWER_MAX_FILES))
        for name, data in files:
            if len(data) > ANSWER_MAX_FILE_BYTES:
                raise UserError(env._("%(name)s is too big: at most %(limit)s MB a file.", name=name,
                                      limit=ANSWER_MAX_FILE_BYTES // (1024 * 1024)))
            if not data:
                raise UserError(env._("%(name)s is empty.", name=name))
        company = self.sudo()
        officer = company._ncc_portal_officer()
        return company.with_context(mail_create_nosubscribe=True).message_post(
            body=plaintext2html(body) if body else "",
            author_id=user.partner_id.id,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            partner_ids=officer.partner_id.ids,
            attachments=files,
        )

    def _ncc_portal_correct(self, user, values):
        """Write the applicant's corrections of the registration (``values``: field name -> text) with the
        model's own validation. Returns {field name: error}: empty when saved; on any error nothing is saved.
        The changes are tracked in the chatter in the applicant's name, and the officer gets an activity."""
        self.ensure_one()
        self._ncc_portal_require_open_request()
        company = self.sudo()
        changes = {}
        for name, value in values.items():
            if name not in PORTAL_CORRECTABLE_FIELDS:
                continue
            value = (value or "").strip()
            if value != (company[name] or ""):
                changes[name] = value or False
        if not changes:
            return {}
        initial = {company.id: {name: company[name] for name in changes}}
        try:
            with self.env.cr.savepoint():
                company.write(changes)
                self.env.flush_all()
        except ValidationError:
            self.env.invalidate_all()
            return company._ncc_portal_field_errors(changes)
        # Fields Odoo tracks itself are tracked when the transaction ends; the others are tracked here.
        untracked = [name for name in changes if not getattr(company._fields[name], "tracking", None)]
        company._track_set_author(user.partner_id)
        company._message_track(untracked, initial)
        officer = company._ncc_portal_officer()
        activity_type = self.env.ref(ANSWER_ACTIVITY)
        if officer and not company.activity_ids.filtered(lambda act: act.activity_type_id == activity_type):
            company.activity_schedule(
                ANSWER_ACTIVITY,
                date_deadline=activity_type._get_date_deadline(),
                summary=self.env._("The applicant corrected the registration"),
                user_id=officer.id,
            )
        return {}

    def _ncc_portal_field_errors(self, changes):
        """{field name: the model's error} for each of ``changes`` written alone, every write rolled back."""
        errors = {}
        for name, value in changes.items():
            try:
                with self.env.cr.savepoint() as savepoint:
                    self.write({name: value})
                    self.env.flush_all()
                    savepoint.rollback()
            except ValidationError as exc:
                errors[name] = exc.args[0]
            finally:
                self.env.invalidate_all()
        # Together the changes break a rule none breaks alone: the message belongs to all of them.
        return errors or {name: self.env._("These values together are not accepted.") for name in changes}

    def _ncc_portal_resubmit(self, user):
        """The applicant is done: the request for information closes and the officer is told."""
        self.ensure_one()
        self._ncc_portal_require_open_request()
        company = self.sudo()
        company.write({"ncc_information_open": False})
        officer = company._ncc_portal_officer()
        company.activity_ids.filtered(
            lambda act: act.activity_type_id == self.env.ref(INFORMATION_ACTIVITY)
        ).action_feedback(feedback=self.env._("Answered on the portal."))
        company.message_post(
            body=self.env._("%(person)s resubmitted the application: the request for information is closed.",
                            person=user.partner_id.name),
            author_id=user.partner_id.id,
            subtype_xmlid="mail.mt_note",
            partner_ids=officer.partner_id.ids,
        )
        return True

    def _ncc_portal_withdraw(self, user, reason):
        """The applicant withdraws its application: a withdrawal decision with its reason, the representative is
        told by email, and the sync withdraws a registration on the Atlas (the rejected stage)."""
        self.ensure_one()
        env = self.env
        reason = (reason or "").strip()
        if not reason:
            raise UserError(env._("Say why you withdraw the application."))
        if len(reason) > WITHDRAWAL_MAX_CHARS:
            raise UserError(env._("Your reason is %(length)s characters long; at most %(limit)s are accepted.",
                                  length=len(reason), limit=WITHDRAWAL_MAX_CHARS))
        if not self._ncc_portal_can_withdraw():
            raise UserError(env._("This application is already closed."))
        company = self.sudo().with_context(ncc_portal_withdrawal=True)
        company.write({
            "ncc_stage_id": self._ncc_stage_of_kind("rejected").id,
            "ncc_decision": "withdrawn",
            "ncc_decision_reason": reason,
        })
        return company.ncc_decision_id

    def _ncc_record_decision(self, kind, stage, reason=False, origin="ncc", notify=True):
        # The applicant's own withdrawal from the portal, a move under sudo: recorded as the applicant's, and
        # acknowledged to the representative as a manager's recording of it would be.
        if not (kind == "withdrawn" and self.env.context.get("ncc_portal_withdrawal")):
            return super()._ncc_record_decision(kind, stage, reason=reason, origin=origin, notify=notify)
        decisions = super()._ncc_record_decision(kind, stage, reason=reason, origin="applicant", notify=False)
        # Acknowledged by the NCC (the officer of the application), not by the applicant, who is the user here:
        # Odoo sends no email to a message's own author, and the email would come from the applicant's address.
        template = self.env.ref(f"ncc_atlas_connector.{DECISION_TEMPLATES[kind]}")
        for decision in decisions.sudo():
            company = decision.partner_id
            sender = company._ncc_portal_officer() or self.env.ref("base.user_root")
            messages = company.with_user(sender).with_context(clean_context(self.env.context))._ncc_notify(
                DECISION_TEMPLATES[kind])
            decision.write({"template_id": template.id,
                            "message_ids": [Command.link(message.id) for message in messages.values()]})
        return decisions

    # --- the NCC's side ----------------------------------------------------------------------------------------

    def _ncc_after_move(self, stage, previous, vals):
        super()._ncc_after_move(stage, previous, vals)
        if stage.kind not in WORK_KINDS:  # decided: no request for information stays open
            stale = self.sudo().filtered("ncc_information_open")
            if stale:
                stale.write({"ncc_information_open": False})

    def action_ncc_request_information(self, message=None):
        res = super().action_ncc_request_information(message)
        if message is not None:
            self.sudo().write({"ncc_information_open": True})
        return res
