import json
from datetime import timedelta
from pathlib import Path

from odoo import fields
from odoo.tests import TransactionCase, tagged
from odoo.tools import convert_file

SEED = Path(__file__).resolve().parents[2] / "atlas_sandbox" / "demo_registrations.json"
DEMO_FILES = ("demo/res_users_demo.xml", "demo/res_partner_demo.xml", "demo/ncc_pipeline_demo.xml",
              "demo/ncc_portal_demo.xml")


@tagged("post_install", "-at_install")
class TestDemo(TransactionCase):
    """The demo of the README's run command is one NCC's believable pipeline (tests run without demo data: it is
    loaded here, through every constraint and gate, as the install loads it)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for path in DEMO_FILES:
            convert_file(cls.env, "ncc_atlas_connector", path, {}, mode="init", noupdate=True)
        demo = cls.env["ir.model.data"].search([
            ("module", "=", "ncc_atlas_connector"), ("model", "=", "res.partner"), ("name", "=like", "demo_partner_%"),
        ])
        cls.applications = cls.env["res.partner"].browse(demo.mapped("res_id")).filtered("is_company")
        cls.seed = {item["id"]: item for item in json.loads(SEED.read_text())["registrations"]}

    def ref_partner(self, name):
        return self.env.ref(f"ncc_atlas_connector.demo_partner_{name}")

    def test_applicants_of_its_member_state_and_one_redirected(self):
        lu = self.env.ref("base.lu")
        self.assertEqual(self.env["ncc.atlas.sync"]._conf()["country"].iso_code, "LU", "the NCC's Member State")
        self.assertEqual(len(self.applications), 16)
        others = self.applications.filtered(lambda p: p.country_id != lu)
        self.assertEqual(others, self.ref_partner("scheldt_secure"))
        self.assertEqual(others.ncc_stage_kind, "rejected")
        self.assertIn("Belgian NCC", others.ncc_decision_reason)
        self.assertTrue(all(self.applications.mapped("ncc_representative_id")), "every applicant has its contact")
        self.assertTrue(all(url.endswith(".example.eu") for url in self.applications.mapped("website")))
        for partner in self.applications - others:
            self.assertRegex(partner.company_registry, r"^[BFJ]\d+$", "a Luxembourg register number")
            self.assertRegex(partner.zip, r"^L-\d{4}$")

    def test_established_is_passed_only_where_true(self):
        established = self.env["ncc.assessment.check"].search([
            ("partner_id", "in", self.applications.ids), ("code", "=", "2"), ("result", "!=", "pending"),
        ])
        self.assertGreaterEqual(len(established), 10)
        for line in established:
            lu = line.partner_id.country_id == self.env.ref("base.lu")
            self.assertEqual(line.result, "pass" if lu else "fail", line.partner_id.name)

    def test_every_stage_has_applications_dated_over_past_weeks(self):
        stages = self.env["ncc.assessment.stage"].search([])
        self.assertEqual(set(self.applications.ncc_stage_id.ids), set(stages.ids), "an application in every stage")
        now = fields.Datetime.now()
        draft = self.applications.filtered(lambda p: p.ncc_stage_kind == "draft")
        self.assertEqual(draft, self.ref_partner("remich_code"), "one application being entered")
        self.assertFalse(draft.ncc_submitted_date or draft.ncc_check_ids, "not submitted: no date, no checklist")
        for partner in self.applications - draft:
            self.assertTrue(partner.ncc_submitted_date, f"{partner.name} was submitted: it has a date")
            self.assertLess(partner.ncc_submitted_date, now - timedelta(days=2))
            drafted = partner.ncc_stage_history_ids.filtered(lambda s: s.kind == "draft")
            self.assertEqual(drafted.mapped("date_out"), [partner.ncc_submitted_date], "a draft until submitted")
            stays = (partner.ncc_stage_history_ids - drafted).sorted("date_in")
            self.assertEqual(stays[0].date_in, partner.ncc_submitted_date)
            self.assertEqual(stays.filtered(lambda s: not s.date_out), stays[-1], "one open stay, the last one")
            for stay, following in zip(stays, stays[1:], strict=False):
                self.assertEqual(stay.date_out, following.date_in)
                self.assertGreater(stay.duration_days, 0)
            self.assertEqual(partner.ncc_stage_entered_date, stays[-1].date_in)
            self.assertLess(stays[-1].date_in, now)
        oldest = min((self.applications - draft).mapped("ncc_submitted_date"))
        self.assertGreater(now - oldest, timedelta(weeks=8), "weeks of work, not one day")
        # Days in each stage: every stage of the NCC's own work has completed stays to average.
        Stay = self.env["ncc.stage.history"]
        for kind in ("intake", "assessment", "approved", "eccc_review"):
            done = Stay.search([("partner_id", "in", self.applications.ids), ("kind", "=", kind),
                                ("date_out", "!=", False)])
            self.assertTrue(done and all(d > 0 for d in done.mapped("duration_days")), kind)
            if kind in ("intake", "assessment"):
                self.assertGreater(len(set(done.mapped("duration_days"))), 1, f"{kind}: not all alike")

    def test_people_do_the_work(self):
        officer = self.env.ref("ncc_atlas_connector.demo_user_officer")
        manager = self.env.ref("ncc_atlas_connector.demo_user_manager")
        self.assertTrue(officer.has_group("ncc_atlas_connector.group_ncc_officer"))
        self.assertFalse(officer.has_group("ncc_atlas_connector.group_ncc_manager"))
        self.assertTrue(manager.has_group("ncc_atlas_connector.group_ncc_manager"))
        self.assertEqual(self.applications.ncc_assessor_id, officer)
        decisions = self.env["ncc.decision"].search([("partner_id", "in", self.applications.ids)])
        self.assertEqual(set(decisions.mapped("kind")), {"approved", "rejected"})
        self.assertEqual(decisions.user_id, manager)
        self.assertTrue(all(d.date < fields.Datetime.now() - timedelta(hours=12) for d in decisions))
        # The applicants were told by email, back then: nothing waits for a mail server.
        emails = self.env["mail.mail"].search([("model", "=", "res.partner"), ("res_id", "in", self.applications.ids)])
        self.assertTrue(emails)
        self.assertEqual(set(emails.mapped("state")), {"sent"})

    def test_atlas_links_and_lookups_agree_with_the_sandbox_seed(self):
        linked = self.applications.filtered("ncc_atlas_uuid")
        self.assertEqual(len(linked), 4)
        for partner in linked:
            registration = self.seed[partner.ncc_atlas_uuid]
            self.assertEqual(registration["moderation_state"], partner.ncc_atlas_state)
            self.assertEqual(registration["field_registration_number"], partner.company_registry)
            self.assertEqual(partner.ncc_sync_state, "synced")
        self.assertEqual(set(linked.mapped("ncc_stage_kind")), {"member", "eccc_review", "revision"})
        # The approved ones the first sync sends: one is new, one meets two registrations, one meets one.
        approved = self.applications.filtered(lambda p: p.ncc_stage_kind == "approved")
        self.assertEqual(set(approved.mapped("ncc_sync_state")), {"pending"})
        numbers = [item["field_registration_number"] for item in self.seed.values()]
        self.assertEqual(sorted(numbers.count(number) for number in approved.mapped("company_registry")), [0, 1, 2])
        self.assertTrue(all(p.ncc_registration_complete for p in approved))

    def test_a_member_follows_its_application_on_the_portal(self):
        user = self.env.ref("ncc_atlas_connector.demo_user_applicant")
        self.assertTrue(user._is_portal())
        application = self.env["res.partner"]._ncc_portal_application(user)
        self.assertEqual(application, self.ref_partner("moselle_cyber"))
        self.assertEqual(application.ncc_portal_status, "member")
