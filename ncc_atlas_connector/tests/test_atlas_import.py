"""Day-one import from the Atlas, against the sandbox holding 120+ registrations in every moderation state."""

import uuid

from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.ncc_atlas_connector.atlas import MODERATION_STATES, diff_values
from odoo.addons.ncc_atlas_connector.wizards.ncc_atlas_import_wizard import SYNC_LIMIT

from .atlas_common import AtlasCase

CLUSTERS = "/jsonapi/node/cluster"
PATCH = "/jsonapi/node/cluster/<id>"
COUNTRIES = ("LU", "DE", "AT", "IT", "NL", "PT")
STAGE_KINDS = {
    "draft": "assessment",
    "ready_for_publication": "eccc_review",
    "to_be_rejected": "rejected",
    "published": "member",
    "revision_requested": "revision",
    "rejected": "rejected",
}
MANY = 126  # 21 registrations in each of the six states


@tagged("post_install", "-at_install")
class TestAtlasImport(AtlasCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Import = cls.env["ncc.atlas.import"]
        cls.cron = cls.env.ref("ncc_atlas_connector.ir_cron_ncc_atlas_import")

    # --- helpers -------------------------------------------------------------------------------------------------

    def values(self, i, **overrides):
        """Plain Atlas values of a complete registration, all different by ``i``."""
        values = {
            "title": f"Atlas Organisation {i:03d}",
            "field_institution_name_in_nation": f"Organisation nationale {i:03d}",
            "field_address": {"country_code": COUNTRIES[i % len(COUNTRIES)], "locality": "Capital",
                              "address_line1": f"{i} Main Street"},
            "field_general_contact_e_mail": f"info@org-{i:03d}.example.eu",
            "field_phone_number": f"+352 20 00 {i:04d}",
            "field_url": f"https://www.org-{i:03d}.example.eu",
            "field_registration_number": f"R{i:06d}",
            "field_question_headquarter": True,
            "field_question_subsidiaries": False,
            "field_question_majority": False,
            "field_article_136_compliance": True,
            "field_data_sharing_consent": True,
            "field_first_name": "Ana",
            "field_family_name": f"Example {i}",
            "field_e_mail": f"ana@org-{i:03d}.example.eu",
            "field_position": "CISO",
            "field_representative_phone_numbe": "+352 20 99 00 00",
            "field_field_of_activity_descr": "Security audits and incident response.",
            "field_goals_to_achieve": "Research partners.",
            "field_goals_to_contribute": "Training.",
            "field_cluster_type": self.term("cluster_type_industry_sme").atlas_uuid,
            "field_field_of_activity": [self.term("fields_of_activity_industrial_or_product_development").atlas_uuid],
            "field_cluster_thematic_area": [
                self.term("cluster_thematic_area_post_quantum_cryptography").atlas_uuid],
            "field_sectors": [],
            "field_technologies": [],
            "field_use_cases": [],
        }
        values.update(overrides)
        return values

    def seed(self, count, start=0, **overrides):
        """``count`` registrations of the NCC, cycling through the moderation states; returns their UUIDs."""
        return [
            self.sandbox.add_cluster(self.values(i, **overrides), state=MODERATION_STATES[i % 6])
            for i in range(start, start + count)
        ]

    def start(self):
        action = self.Import.action_start()
        return self.Import.browse(action["res_id"])

    def line(self, imp, atlas_uuid):
        return imp.line_ids.filtered(lambda line: line.atlas_uuid == atlas_uuid)

    def linked(self, atlas_uuid):
        return self.Partner.with_context(active_test=False).search([("ncc_atlas_uuid", "=", atlas_uuid)])

    def import_all(self):
        imp = self.start()
        imp.action_confirm()
        if imp.state == "queued":
            self.Import._cron_process()
        self.assertEqual(imp.state, "done")
        return imp

    def company(self, name, **vals):
        return self.Partner.create({"name": name, "is_company": True, **vals})

    # --- the big one ---------------------------------------------------------------------------------------------

    def _seed_many(self):
        uuids = self.seed(MANY)
        other = self.sandbox.add_cluster(self.values(900), owner=str(uuid.uuid4()))
        companies = {
            # Registration 1 (DE, R000001): by registration number and country, whatever its name and website.
            "registry": self.company("Old Name Registry GmbH", company_registry="R-000001",
                                     country_id=self.env.ref("base.de").id, website="https://old.example.eu"),
            # Registration 2: by website domain (no www, another scheme and path).
            "domain": self.company("Domain Match SpA", website="http://org-002.example.eu/contact"),
            # Registration 3: by exact name (spaces and case aside).
            "name": self.company("atlas  organisation 003"),
        }
        # Registration 4: already linked to an applicant holding the same values.
        linked = self.create_applicant(name="Atlas Organisation 004", company_registry="R000004")
        linked.with_context(ncc_atlas_write=True).write({"ncc_atlas_uuid": uuids[4]})
        companies["linked"] = linked
        # Registration 5: two companies answer to its name: the manager chooses.
        self.company("Atlas Organisation 005")
        self.company("Atlas Organisation 005")
        return uuids, other, companies

    def test_preview_shows_each_rule_and_writes_nothing(self):
        uuids, other, companies = self._seed_many()
        partners_before = self.Partner.with_context(active_test=False).search_count([])
        imp = self.start()

        self.assertEqual(len(imp.line_ids), MANY, "every registration of the key owner, over three pages")
        self.assertFalse(self.line(imp, other), "not a registration of this NCC")
        self.assertEqual(self.sandbox.count("GET", CLUSTERS, 200), 3)
        expected = {
            1: ("link", "registry", companies["registry"]),
            2: ("link", "domain", companies["domain"]),
            3: ("link", "name", companies["name"]),
        }
        for i, (action, rule, partner) in expected.items():
            line = self.line(imp, uuids[i])
            self.assertEqual((line.action, line.match_rule, line.partner_id), (action, rule, partner), line.title)
        linked = self.line(imp, uuids[4])
        self.assertEqual((linked.action, linked.linked_partner_id), ("linked", companies["linked"]))
        twins = self.line(imp, uuids[5])
        self.assertEqual(twins.action, "skip", "two companies answer to this name: nothing is decided")
        self.assertIn("2 companies match", twins.note)
        self.assertEqual(imp.review_count, 1)
        new = imp.line_ids.filtered(lambda line: line.action == "create")
        self.assertEqual(len(new), MANY - 5)
        self.assertFalse(new.partner_id)
        self.assertEqual((imp.create_count, imp.link_count, imp.linked_count, imp.skip_count), (MANY - 5, 3, 1, 1))
        self.assertEqual(new[0].moderation_state, self.sandbox.cluster(new[0].atlas_uuid)["moderation_state"])
        self.assertTrue(imp.background, f"more than {SYNC_LIMIT} companies: in the background")

        self.assertEqual(self.Partner.with_context(active_test=False).search_count([]), partners_before)
        self.assertFalse(self.Partner.search([("ncc_atlas_uuid", "in", uuids), ("id", "!=", companies["linked"].id)]))
        self.assertFalse(companies["registry"].ncc_is_applicant)

    def test_confirm_imports_in_the_background_once_and_a_second_run_is_a_no_op(self):
        uuids, _other, companies = self._seed_many()
        imp = self.start()
        imp.action_confirm()
        self.assertEqual(imp.state, "queued")
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)]), "the cron is triggered")
        self.assertFalse(self.linked(uuids[10]), "nothing written before the scheduled action runs")

        self.Import._cron_process()
        self.assertEqual(imp.state, "done")
        self.assertEqual((imp.error_count, imp.progress), (0, 100.0), imp.line_ids.mapped("error"))
        self.assertEqual(self.sandbox.count("POST", CLUSTERS), 0)
        self.assertEqual(self.sandbox.count("PATCH", PATCH), 0)

        # Exactly one company per registration (the one the manager must choose for stays out).
        for i, atlas_uuid in enumerate(uuids):
            self.assertEqual(len(self.linked(atlas_uuid)), 0 if i == 5 else 1, f"registration {i}")
        self.assertEqual(self.linked(uuids[1]), companies["registry"])
        self.assertEqual(self.linked(uuids[2]), companies["domain"])
        self.assertEqual(self.linked(uuids[3]), companies["name"])

        created = self.linked(uuids[10])
        remote = self.sandbox.cluster(uuids[10])
        self.assertEqual(self.line(imp, uuids[10]).result, "created")
        self.assertTrue(created.is_company and created.ncc_is_applicant)
        self.assertEqual((created.name, created.company_registry, created.country_id.code, created.website),
                         ("Atlas Organisation 010", "R000010", "NL", "https://www.org-010.example.eu"))
        self.assertEqual(created.ncc_cluster_type_id, self.term("cluster_type_industry_sme"))
        self.assertEqual(created.ncc_representative_id.name, "Ana Example 10")
        self.assertEqual(created.ncc_representative_id.email, "ana@org-010.example.eu")
        self.assertEqual(created.ncc_sync_state, "synced")
        self.assertEqual(created.ncc_atlas_state, remote["moderation_state"])
        self.assertEqual(created.ncc_atlas_changed.isoformat()[:19], remote["changed"][:19])
        self.assertFalse(diff_values(created.ncc_synced_values, created._ncc_atlas_values()))
        self.assertFalse(diff_values({k: remote[k] for k in created.ncc_synced_values}, created.ncc_synced_values))

        # Every imported registration sits in the stage of its moderation state.
        for i, atlas_uuid in enumerate(uuids[6:], start=6):
            partner = self.linked(atlas_uuid)
            self.assertEqual(partner.ncc_stage_id.kind, STAGE_KINDS[MODERATION_STATES[i % 6]], partner.name)
        self.assertEqual(self.linked(uuids[6]).ncc_stage_id, self.stage("assessment"), "a draft: first assessment")

        # The next push has nothing to send, even when asked to look at every record.
        imported = self.Partner.search([("ncc_atlas_uuid", "in", uuids), ("ncc_sync_state", "=", "synced")])
        self.assertGreater(len(imported), MANY - 10)
        imported._ncc_mark_pending()
        self.push()
        self.assertEqual(self.sandbox.count("PATCH", PATCH), 0)
        self.assertEqual(self.sandbox.count("POST", CLUSTERS), 0)
        self.assertEqual(set(imported.mapped("ncc_sync_state")), {"synced"})

        # Running the import again changes nothing.
        self.Import._cron_process()
        snapshot = {p.id: (p.ncc_sync_state, p.ncc_stage_id.id, p.ncc_synced_values, p.ncc_atlas_uuid)
                    for p in self.Partner.search([("ncc_atlas_uuid", "!=", False)])}
        partners_before = self.Partner.with_context(active_test=False).search_count([])
        again = self.start()
        self.assertEqual(again.linked_count, MANY - 1)
        self.assertFalse(again.background)
        again.action_confirm()
        self.assertEqual(again.state, "done")
        self.assertEqual(set(again.line_ids.filtered(lambda line: line.action == "linked").mapped("result")) -
                         {"conflict"}, {"unchanged"})
        self.assertEqual(self.Partner.with_context(active_test=False).search_count([]), partners_before)
        after = {p.id: (p.ncc_sync_state, p.ncc_stage_id.id, p.ncc_synced_values, p.ncc_atlas_uuid)
                 for p in self.Partner.search([("ncc_atlas_uuid", "!=", False)])}
        self.assertEqual(after, snapshot)
        self.assertEqual(self.sandbox.count("PATCH", PATCH), 0)

    def test_existing_companies_keep_their_data_differences_become_conflicts(self):
        uuids, _other, companies = self._seed_many()
        self.import_all()
        registry = companies["registry"]
        self.assertEqual(registry.name, "Old Name Registry GmbH", "never overwritten")
        self.assertEqual(registry.website, "https://old.example.eu")
        self.assertEqual(registry.ncc_sync_state, "conflict")
        self.assertIn("Name in English", registry.ncc_sync_error)
        self.assertIn("Website", registry.ncc_sync_error)
        self.assertTrue(registry.ncc_is_applicant)
        # What the company did not hold comes from the Atlas: its registration, its contact person.
        self.assertEqual(registry.ncc_name_national, "Organisation nationale 001")
        self.assertEqual(registry.email, "info@org-001.example.eu")
        self.assertEqual(registry.ncc_representative_id.ncc_family_name, "Example 1")
        self.assertEqual(registry.ncc_stage_id.kind, STAGE_KINDS[MODERATION_STATES[1]])

        name = companies["name"]
        self.assertEqual(name.name, "atlas  organisation 003")
        self.assertIn("Name in English", name.ncc_sync_error)
        self.assertEqual(name.website, "https://www.org-003.example.eu", "blank here: taken from the Atlas")

        # A company linked before the import, holding other values, and never synced: a conflict as well.
        linked = companies["linked"]
        self.assertEqual(linked.ncc_sync_state, "conflict")
        self.assertEqual(linked.name, "Atlas Organisation 004")
        self.assertEqual(linked.email, "info@kirchberg-secure.example.eu", "not overwritten")

        # The conflict wizard settles it; keeping Odoo's values sends them.
        wizard = self.env["ncc.atlas.conflict.wizard"].create({"partner_id": registry.id})
        self.assertIn("Old Name Registry GmbH", wizard.line_ids.mapped("local_value"))
        wizard.action_keep_local()
        self.push()
        self.assertEqual(registry.ncc_sync_state, "synced", registry.ncc_sync_error)
        self.assertEqual(self.sandbox.cluster(uuids[1])["title"], "Old Name Registry GmbH")

    # --- small imports (processed at once) -----------------------------------------------------------------------

    def test_small_import_runs_at_once_and_places_each_state(self):
        uuids = self.seed(6)
        self.sandbox.request_revision(uuids[4], "Describe your SOC services.")
        imp = self.start()
        self.assertFalse(imp.background)
        imp.action_confirm()
        self.assertEqual(imp.state, "done", "no more than the threshold: done while the manager waits")
        for i, atlas_uuid in enumerate(uuids):
            state = MODERATION_STATES[i % 6]
            partner = self.linked(atlas_uuid)
            self.assertEqual((partner.ncc_stage_id.kind, partner.ncc_atlas_state), (STAGE_KINDS[state], state))
            self.assertEqual(partner.ncc_sync_state, "synced")
        self.assertEqual(self.linked(uuids[4]).ncc_atlas_message, "Describe your SOC services.")
        rejected = self.linked(uuids[5])
        self.assertEqual(rejected.ncc_decision, "rejected")
        self.assertIn("Rejected by the ECCC", rejected.ncc_decision_reason)
        self.assertIn("asked the ECCC to reject", self.linked(uuids[2]).ncc_decision_reason)
        self.assertFalse(self.env["mail.mail"].search([("res_id", "in", self.linked(uuids[3]).ids),
                                                        ("model", "=", "res.partner")]),
                         "the import tells no applicant anything")
        self.assertIn("Imported from the Atlas", self.linked(uuids[0]).message_ids[0].body)

    def test_unknown_vocabulary_term_is_read_from_the_atlas_first(self):
        new_term = str(uuid.uuid4())
        with self.sandbox.store.transaction() as db:
            db.execute("INSERT INTO term (uuid, vocabulary, name, weight) VALUES (?, 'sectors', ?, 999)",
                       (new_term, "Space weather"))
        Term = self.env["ncc.atlas.term"]
        self.assertFalse(Term.search([("atlas_uuid", "=", new_term)]))
        [atlas_uuid] = self.seed(1, field_sectors=[new_term, self.term("sectors_energy").atlas_uuid])
        self.import_all()
        term = Term.search([("atlas_uuid", "=", new_term)])
        self.assertEqual((term.name, term.vocabulary), ("Space weather", "sectors"))
        partner = self.linked(atlas_uuid)
        self.assertEqual(partner.ncc_sector_ids, term | self.term("sectors_energy"))
        self.assertEqual(partner.ncc_sync_state, "synced")
        self.assertEqual(self.sandbox.count("GET", "/jsonapi/taxonomy_term/<vocabulary>", 200), 1,
                         "only the vocabulary that had an unknown term")

    def test_term_unknown_even_on_the_atlas_leaves_the_line_out(self):
        [atlas_uuid] = self.seed(1)
        imp = self.start()
        imp.line_ids.atlas_values = {**imp.line_ids.atlas_values, "field_sectors": [str(uuid.uuid4())]}
        imp.action_confirm()
        self.assertEqual(imp.line_ids.state, "error")
        self.assertIn("terms Odoo does not know", imp.line_ids.error)
        self.assertFalse(self.linked(atlas_uuid))

    def test_linked_company_changed_on_both_sides_becomes_a_conflict(self):
        first, second = self.seed(2)
        self.import_all()
        both, local_only = self.linked(first), self.linked(second)
        both.phone = "+352 11"
        local_only.phone = "+352 22"
        self.assertEqual((both | local_only).mapped("ncc_sync_state"), ["pending", "pending"])
        record = self.sandbox.store.cluster(first)
        self.sandbox.store.update_cluster(first, attributes={**record["attributes"], "field_phone_number": "+352 33"})

        imp = self.import_all()
        self.assertEqual(self.line(imp, first).result, "conflict")
        self.assertEqual(both.ncc_sync_state, "conflict")
        self.assertIn("Phone", both.ncc_sync_error)
        self.assertEqual(both.phone, "+352 11", "nothing overwritten here")
        self.assertEqual(self.sandbox.cluster(first)["field_phone_number"], "+352 33", "nor there")
        self.assertEqual(self.line(imp, second).result, "unchanged", "changed here only: the push sends it")
        self.assertEqual(local_only.ncc_sync_state, "pending")
        self.push()
        self.assertEqual(self.sandbox.cluster(second)["field_phone_number"], "+352 22")
        self.assertEqual(both.ncc_sync_state, "conflict", "left to a person")

    def test_existing_applicant_is_filled_where_blank(self):
        applicant = self.create_applicant(representative=False, company_registry="R000000", phone="+352 1")
        [atlas_uuid] = self.seed(1)
        imp = self.start()
        line = self.line(imp, atlas_uuid)
        self.assertEqual((line.action, line.match_rule, line.partner_id), ("link", "registry", applicant))
        imp.action_confirm()
        self.assertEqual(line.result, "conflict")
        self.assertEqual(applicant.ncc_atlas_uuid, atlas_uuid)
        self.assertEqual(applicant.phone, "+352 1")
        self.assertEqual(applicant.ncc_representative_id.email, "ana@org-000.example.eu", "had none: from the Atlas")
        self.assertEqual(applicant.ncc_stage_id, self.stage("assessment"))

    # --- the manager's choices -----------------------------------------------------------------------------------

    def test_manager_changes_a_match_and_excludes_a_line(self):
        first, second, third = self.seed(3)
        chosen = self.company("Chosen By Hand Ltd")
        imp = self.start()
        self.line(imp, first).partner_id = chosen
        self.assertEqual(self.line(imp, first).match_rule, "manual")
        self.line(imp, second).excluded = True
        self.line(imp, third).partner_id = chosen
        with self.assertRaises(UserError):
            imp.action_confirm()
        self.line(imp, third).partner_id = False
        imp.action_confirm()
        self.assertEqual(self.linked(first), chosen)
        self.assertTrue(chosen.ncc_is_applicant)
        self.assertFalse(self.linked(second))
        self.assertEqual(self.line(imp, second).state, "skipped")
        self.assertEqual(self.line(imp, third).result, "created")
        with self.assertRaises(UserError):
            self.line(imp, second).excluded = False

    def test_two_new_registrations_with_one_number_are_left_for_the_manager(self):
        first = self.sandbox.add_cluster(self.values(1))
        second = self.sandbox.add_cluster(self.values(2, field_registration_number="R000001",
                                                      field_address=self.values(1)["field_address"]))
        imp = self.start()
        lines = self.line(imp, first) | self.line(imp, second)
        self.assertEqual(sorted(lines.mapped("action")), ["create", "skip"])
        self.assertIn("same registration number", lines.filtered("excluded").note)

    def test_only_managers_import(self):
        officer = new_test_user(self.env, login="import_officer",
                                groups="base.group_user,ncc_atlas_connector.group_ncc_officer")
        with self.assertRaises(UserError):  # an AccessError is one too
            self.Import.with_user(officer).action_start()
        manager = new_test_user(self.env, login="import_manager",
                                groups="base.group_user,ncc_atlas_connector.group_ncc_manager")
        self.seed(1)
        imp = self.Import.browse(self.Import.with_user(manager).action_start()["res_id"])
        imp.with_user(manager).action_confirm()
        self.assertEqual(imp.line_ids.result, "created")
