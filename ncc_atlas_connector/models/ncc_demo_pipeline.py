from datetime import datetime, time, timedelta
from types import SimpleNamespace

from odoo import api, fields, models

from .res_partner_assessment import STAGE_ACTIVITY

# The demo's officer and manager, who play the steps as they would in the browser.
OFFICER = "ncc_atlas_connector.demo_user_officer"
MANAGER = "ncc_atlas_connector.demo_user_manager"
# The officer's findings on the checks passed, by check code; "na" marks a check that does not apply.
NOTES = {
    "1": "Legal person: entry {registry} in the Luxembourg Business Registers.",
    "2": "Register extract {registry}: registered office at {street}, {city}.",
    "3": "The registered office is the main seat.",
    "4": "No subsidiaries outside Luxembourg; beneficial owners (RBE) resident in the EU.",
    "5": ("na", "No security-ground concern: no referral to the competent authority."),
    "6": "Self-declaration signed; EDES exclusion database consulted: no entry.",
    "7": "The Art. 8(3) domains ticked match the activity described.",
    "8": "Substantiated: website, product sheets and two customer references checked.",
    "9": "Goals and contribution answered concretely.",
    "10": "Art. 9 member tasks accepted in the form.",
    "11": "Contact person confirmed by phone.",
    "12": "Declarations and consents present, with their dates.",
    "13": "Organisation type fits Art. 8(2).",
    "14": "Taxonomy consistent with the description.",
    "15": "No other application with this number here; none found on the Atlas by number and country.",
    "16": "Size class from the latest annual accounts.",
}


class NccDemoPipeline(models.AbstractModel):
    """Plays the demo applications through the pipeline (demo/ncc_pipeline_demo.xml calls it), the way the officer
    and the manager do it in the browser, then dates every step on the day the demo says, so that "days in each
    stage", deadlines and the chatter read like weeks of work. Only the demo data calls it."""

    _name = "ncc.demo.pipeline"
    _description = "Demo pipeline"

    @api.model
    def _play(self, partner_id, steps):
        """Play ``steps`` on the application ``partner_id``, oldest first, each ``(days ago, action, ...)``:

        - ``(d, "submit")``: the officer submits it;
        - ``(d, "next")``: the officer passes the checks of the current stage and moves it to the next one;
        - ``(d, "approve")``: the officer passes the remaining checks, the manager approves;
        - ``(d, "reject", reason, {code: note})``: the officer fails the checks named, the manager rejects;
        - ``(d, "atlas", uuid, state, message)``: the Atlas holds it as ``uuid`` and the sync read ``state``.

        The checks passed get the officer's findings of ``NOTES``."""
        partner = self.env["res.partner"].browse(partner_id)
        officer, manager = self.env.ref(OFFICER), self.env.ref(MANAGER)
        notes = {code: self._demo_note(partner, note) for code, note in NOTES.items()}
        moves = []  # when each stay began, in the order the stays are created
        # What the application's creation posted ("Contact created") dates from an hour before its submission.
        arrived = self._demo_moment(steps[0][0], 0) - timedelta(hours=1)
        self._demo_date_messages(partner, 0, arrived)
        for days, action, *args in steps:
            when = self._demo_moment(days, len(moves))
            first_message = self._demo_last_message_id()
            first_decision = self._demo_last_id("ncc.decision")
            first_activity = self._demo_last_id("mail.activity")
            as_officer = partner.with_user(officer)
            if action == "submit":
                as_officer.action_ncc_submit()
                moves.append(when)  # the stay in the first stage began with the submission
            elif action == "next":
                self._demo_pass(partner, officer, notes, when, partner.ncc_stage_id)
                as_officer.action_ncc_next_stage()
                moves.append(when)
            elif action == "approve":
                self._demo_pass(partner, officer, notes, when)
                partner.with_user(manager).action_ncc_approve()
                moves.append(when)
            elif action == "reject":
                reason, failed = args
                for line in partner.ncc_check_ids:
                    if line.code in failed:
                        line.with_user(officer).write({"result": "fail", "note": failed[line.code]})
                        line.sudo().write({"checked_date": when})
                partner.with_user(manager).action_ncc_reject(reason)
                moves.append(when)
            elif action == "atlas":
                uuid, state, message = (args + [None])[:3]
                values = partner._ncc_atlas_values(send_country=False)
                partner._ncc_sync_writer(mail_notrack=True).write({
                    "ncc_atlas_uuid": uuid, "ncc_sync_state": "synced", "ncc_synced_values": values,
                    "ncc_synced_at": when, "ncc_atlas_changed": when,
                })
                stays = len(partner.ncc_stage_history_ids)
                partner._ncc_apply_remote_state(SimpleNamespace(moderation_state=state, revision_message=message))
                if len(partner.ncc_stage_history_ids) > stays:
                    moves.append(when)
            self._demo_date_messages(partner, first_message, when)
            self.env["ncc.decision"].sudo().search([
                ("partner_id", "=", partner.id), ("id", ">", first_decision),
            ]).write({"date": when})
            # A to-do the step gave someone (e.g. the ECCC's revision request) was due a few days after it.
            self.env["mail.activity"].sudo().search([
                ("res_model", "=", "res.partner"), ("res_id", "=", partner.id), ("id", ">", first_activity),
                ("activity_type_id", "!=", self.env.ref(STAGE_ACTIVITY).id),
            ]).write({"date_deadline": when.date() + timedelta(days=3)})
        self._demo_date_stays(partner, moves, officer, arrived)

    @api.model
    def _demo_moment(self, days, index):
        """A working hour ``days`` ago (later steps of one day later in the day), in UTC."""
        day = fields.Date.context_today(self) - timedelta(days=days)
        return datetime.combine(day, time(8 + (index * 2) % 8, 15 * (index % 4)))

    @api.model
    def _demo_pass(self, partner, officer, notes, when, stage=None):
        """The officer passes the pending checks (of ``stage``, or all the required ones), with the findings."""
        lines = partner.ncc_check_ids.filtered(lambda c: c.result == "pending" and (
            c.stage_id == stage if stage else c.required))
        for line in lines:
            result, note = notes.get(line.code, ("pass", False))
            line.with_user(officer).write({"result": result, "note": note})
        lines.sudo().write({"checked_date": when})

    @api.model
    def _demo_note(self, partner, note):
        result, text = note if isinstance(note, tuple) else ("pass", note)
        return result, text.format(registry=partner.company_registry, street=partner.street, city=partner.city)

    @api.model
    def _demo_last_id(self, model):
        return self.env[model].sudo().search([], order="id desc", limit=1).id or 0

    @api.model
    def _demo_last_message_id(self):
        return self._demo_last_id("mail.message")

    @api.model
    def _demo_date_messages(self, partner, after_id, when):
        """Date the step's messages; the emails among them went out then (no mail server is needed to show it)."""
        messages = self.env["mail.message"].sudo().search([
            ("model", "=", "res.partner"), ("res_id", "=", partner.id), ("id", ">", after_id),
        ])
        messages.write({"date": when})
        self.env["mail.notification"].sudo().search([
            ("mail_message_id", "in", messages.ids), ("notification_type", "=", "email"),
        ]).write({"notification_status": "sent"})
        self.env["mail.mail"].sudo().search([("mail_message_id", "in", messages.ids)]).write({"state": "sent"})

    @api.model
    def _demo_date_stays(self, partner, moves, officer, arrived):
        """Date the application's stays, its submission, its round and its stage activity as the steps say."""
        partner = partner.sudo()
        stays = partner.ncc_stage_history_ids.sorted("id")
        if not moves:
            return
        # The stay in draft, created with the application, lasted from its arrival until the submission.
        stays[:-len(moves)].write({"date_in": arrived, "date_out": moves[0]})
        stays = stays[-len(moves):]
        for stay, date_in, date_out in zip(stays, moves, moves[1:] + [None], strict=True):
            stay.write({"date_in": date_in, "date_out": date_out})
        if stays[:1].user_id != officer:  # created with the application by the data loader: the officer's
            stays[:1].write({"user_id": officer.id})
        submitted = moves[0]
        # Under sudo, as the pipeline writes them; the sync writer's context keeps them from queuing a push.
        partner._ncc_sync_writer().write({"ncc_stage_entered_date": moves[-1], "ncc_submitted_date": submitted})
        partner.ncc_round_id.write({"submitted_date": submitted, "date_start": submitted})
        stage_activities = partner.activity_ids.filtered(
            lambda a: a.activity_type_id == self.env.ref(STAGE_ACTIVITY, raise_if_not_found=False))
        if partner.ncc_deadline:
            stage_activities.write({"date_deadline": partner.ncc_deadline})
