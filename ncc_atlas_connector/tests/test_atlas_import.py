"""Day-one import from the Atlas, against the sandbox holding 120+ registrations in every moderation state."""

import base64
import os
import uuid
from pathlib import Path
from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.tests import Form, HttpCase, new_test_user, tagged
from odoo.tests.common import ChromeBrowser, JsonRpcException
from odoo.tools import mute_logger

from odoo.addons.ncc_atlas_connector.atlas import MODERATION_STATES, diff_values
from odoo.addons.ncc_atlas_connector.models.ncc_atlas_import import SYNC_LIMIT

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


class ImportCase(AtlasCase):
    """Registrations on the sandbox, and the import as the manager runs it."""

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

    def _seed_refused(self):
        """One registration per rule of the record that the Atlas accepts in a draft: no main-seat answer, a
        company outside the EU, an invalid national registration number; and one that passes."""
        return {
            "main_seat": self.sandbox.add_cluster(self.values(1, field_question_headquarter=False)),
            "outside_eu": self.sandbox.add_cluster(self.values(2, field_address={
                "country_code": "CH", "locality": "Zürich", "address_line1": "1 Bahnhofstrasse"})),
            "number": self.sandbox.add_cluster(self.values(3, field_registration_number="123 456", field_address={
                "country_code": "FR", "locality": "Paris", "address_line1": "1 rue de Rivoli"})),
            "fine": self.sandbox.add_cluster(self.values(4)),
        }

    def linked(self, atlas_uuid):
        return self.Partner.with_context(active_test=False).search([("ncc_atlas_uuid", "=", atlas_uuid)])

    def import_all(self):
        imp = self.start()
        imp.action_confirm()
        if imp.state == "queued":
            self.run_cron("import")
        self.assertEqual(imp.state, "done")
        return imp

    def company(self, name, **vals):
        return self.Partner.create({"name": name, "is_company": True, **vals})



@tagged("post_install", "-at_install")
class TestAtlasImport(ImportCase):
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

        requests = self.sandbox.stats()["total"]
        self.run_cron("import")
        self.assertEqual(imp.state, "done")
        self.assertEqual((imp.error_count, imp.progress), (0, 100.0), imp.line_ids.mapped("error"))
        self.assertEqual(self.sandbox.stats()["total"], requests, "the Atlas was read by the preview: no request")
        progress = self.env["ir.cron.progress"].search([("cron_id", "=", self.cron.id)])
        self.assertEqual(len(progress), 3, "one batch of at most 50 lines per call, repeated by the cron runner")
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
        self.run_cron("import")
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
        self.assertEqual(self.sandbox.count("GET", "/jsonapi/taxonomy_term/<vocabulary>", 200), 2,
                         "the countries (every import), and the one vocabulary that had an unknown term")

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

    def test_two_new_registrations_with_one_number_compete_and_a_second_run_says_so_again(self):
        first = self.sandbox.add_cluster(self.values(1))
        second = self.sandbox.add_cluster(self.values(2, field_registration_number="r 000001",
                                                      field_address=self.values(1)["field_address"]))
        imp = self.start()
        lines = self.line(imp, first) | self.line(imp, second)
        self.assertEqual(lines.mapped("action"), ["skip", "skip"], "neither is decided: the manager picks")
        self.assertIn("“Atlas Organisation 002”: same registration number and country", self.line(imp, first).note)
        self.assertIn("“Atlas Organisation 001”: same registration number and country", self.line(imp, second).note)
        warning = self.line(imp, second).note
        self.line(imp, first).action_pick()
        self.assertEqual((self.line(imp, first).action, self.line(imp, second).action), ("create", "skip"))
        imp.action_confirm()
        self.assertEqual(self.line(imp, first).result, "created")

        again = self.start()
        self.assertEqual(self.line(again, first).action, "linked")
        self.assertEqual(self.line(again, second).action, "skip", "not offered as a new company")
        self.assertEqual(self.line(again, second).note, warning, "the same warning as the first run")
        again.action_confirm()
        self.assertFalse(again.error_count)
        self.assertFalse(self.linked(second))

    def test_two_atlas_entries_for_one_company_both_compete_and_the_manager_picks(self):
        company = self.company("Cyber Twin SA", country_id=self.env.ref("base.lu").id)
        first = self.sandbox.add_cluster(self.values(1, title="Cyber Twin SA"))
        second = self.sandbox.add_cluster(self.values(2, title="Cyber  twin sa"))
        imp = self.start()
        one, two = self.line(imp, first), self.line(imp, second)
        self.assertEqual((one.action, two.action), ("skip", "skip"), "the first by title order is not linked")
        self.assertEqual((one.partner_id, two.partner_id), (company, company))
        self.assertIn("Competes with “Cyber  twin sa” for Cyber Twin SA", one.note)
        self.assertIn("Competes with “Cyber Twin SA” for Cyber Twin SA", two.note)
        self.assertEqual(imp.review_count, 2)
        warning = two.note
        # Both included: a company has one registration.
        (one | two).write({"excluded": False})
        with self.assertRaises(UserError):
            imp.action_confirm()
        two.action_pick()
        self.assertEqual((one.action, two.action), ("skip", "link"))
        imp.action_confirm()
        self.assertEqual(self.linked(second), company)
        self.assertFalse(self.linked(first))

        again = self.start()
        self.assertEqual(self.line(again, second).action, "linked")
        self.assertEqual((self.line(again, first).action, self.line(again, first).note), ("skip", warning.replace(
            "“Cyber Twin SA” for", "“Cyber  twin sa” for")), "it still competes, with the one now linked")
        self.assertFalse(self.line(again, first).partner_id, "the company is taken")

    # --- the record's own rules, before anything is written -------------------------------------------------

    def test_preview_shows_what_the_record_rules_refuse_and_writes_nothing(self):
        uuids = self._seed_refused()
        partners_before = self.Partner.with_context(active_test=False).search_count([])
        imp = self.start()
        lines = {key: self.line(imp, atlas_uuid) for key, atlas_uuid in uuids.items()}
        self.assertIn("not the main seat", lines["main_seat"].issues)
        self.assertIn("Switzerland is not an EU Member State", lines["outside_eu"].issues)
        self.assertIn("“123 456” is not a valid French SIREN", lines["number"].issues)
        self.assertFalse(lines["fine"].issues)
        self.assertEqual(lines["fine"].action, "create")
        for key in ("main_seat", "outside_eu", "number"):
            self.assertEqual((lines[key].action, lines[key].blocked), ("skip", False), key)
        self.assertEqual(lines["main_seat"].left_out, ["ncc_is_headquarters"])
        self.assertEqual(lines["outside_eu"].left_out, ["country_id"])
        self.assertEqual(lines["number"].left_out, ["company_registry"], "the country stays: it is not the fault")
        self.assertEqual(lines["number"].left_out_labels, "Registration number")
        self.assertEqual(imp.issue_count, 3)
        self.assertEqual(self.Partner.with_context(active_test=False).search_count([]), partners_before,
                         "nothing written by the validation")
        self.assertFalse(self.Partner.with_context(active_test=False).search([("name", "like", "Atlas Organi")]))

        # Imported as incomplete applications, in the first stage, their missing items listed.
        imp.action_include_incomplete()
        self.assertEqual(imp.incomplete_count, 3)
        imp.action_confirm()
        self.assertFalse(imp.error_count, imp.line_ids.mapped("error"))
        for key in ("main_seat", "outside_eu", "number"):
            partner = self.linked(uuids[key])
            self.assertEqual(lines[key].result, "incomplete", key)
            self.assertEqual(partner.ncc_stage_id, self.stage("intake"), key)
            self.assertTrue(partner.ncc_is_applicant)
            self.assertEqual(partner.ncc_sync_state, "conflict", "nothing is sent until a person decides")
            self.assertIn("incomplete application", partner.message_ids[0].body)
        self.assertIn("Country", self.linked(uuids["outside_eu"]).ncc_missing_items)
        self.assertIn("Country", lines["outside_eu"].missing_items)
        self.assertFalse(self.linked(uuids["outside_eu"]).country_id)
        self.assertEqual(self.linked(uuids["outside_eu"]).city, "Zürich")
        number = self.linked(uuids["number"])
        self.assertEqual((number.country_id.code, number.company_registry), ("FR", False))
        self.assertIn("Registration number", number.ncc_sync_error)
        self.assertEqual(self.linked(uuids["fine"]).ncc_sync_state, "synced")
        self.push()
        self.assertEqual(self.sandbox.count("PATCH", PATCH), 0, "the Atlas keeps what Odoo refused")

    def test_refused_lines_can_stay_out_and_come_back_with_the_same_warnings(self):
        uuids = self._seed_refused()
        imp = self.start()
        issues = {key: self.line(imp, atlas_uuid).issues for key, atlas_uuid in uuids.items()}
        imp.action_confirm()
        for key in ("main_seat", "outside_eu", "number"):
            self.assertEqual(self.line(imp, uuids[key]).state, "skipped", key)
            self.assertFalse(self.linked(uuids[key]), key)
        again = self.start()
        self.assertEqual({key: self.line(again, atlas_uuid).issues for key, atlas_uuid in uuids.items()}, issues)
        self.assertEqual(self.line(again, uuids["fine"]).action, "linked")

    def test_an_existing_company_is_linked_incomplete_without_the_refused_value(self):
        company = self.company("Atlas Organisation 003", phone="+33 1 00 00 00 00")
        uuids = self._seed_refused()
        imp = self.start()
        line = self.line(imp, uuids["number"])
        self.assertEqual((line.partner_id, line.match_rule, line.left_out), (company, "name", ["company_registry"]))
        self.assertFalse(company.ncc_is_applicant, "the validation wrote nothing")
        line.action_include()
        imp.action_confirm()
        self.assertEqual((line.result, line.result_partner_id), ("incomplete", company))
        self.assertTrue(company.ncc_is_applicant)
        self.assertEqual((company.ncc_stage_id, company.company_registry, company.country_id.code),
                         (self.stage("intake"), False, "FR"))
        self.assertEqual(company.phone, "+33 1 00 00 00 00", "its own value kept")
        self.assertEqual(company.ncc_atlas_uuid, uuids["number"])

    def test_a_company_whose_own_values_are_refused_cannot_be_imported_incomplete(self):
        company = self.company("Atlas Organisation 001", country_id=self.env.ref("base.ch").id, city="Bern",
                               street="1 Bundesplatz")
        [atlas_uuid] = [self.sandbox.add_cluster(self.values(1))]
        imp = self.start()
        line = self.line(imp, atlas_uuid)
        self.assertEqual(line.partner_id, company)
        self.assertTrue(line.blocked)
        self.assertIn("Switzerland is not an EU Member State", line.issues)
        with self.assertRaises(UserError):
            line.excluded = False
        # Another company, or none, and the rules pass.
        line.partner_id = False
        self.assertFalse(line.issues or line.blocked)
        self.assertEqual(line.action, "skip")
        line.excluded = False
        imp.action_confirm()
        self.assertEqual(line.result, "created")
        self.assertEqual(company.country_id.code, "CH", "the company is left as it was")

    # --- the key's owner, the countries, the spelling ----------------------------------------------------------

    def test_a_changed_key_is_asked_for_its_owner_and_an_empty_listing_says_whose(self):
        self.seed(2)
        self.sync._test_connection()  # the owner of the first key is cached
        params = self.env["ir.config_parameter"].sudo()
        self.assertEqual(params.get_param("ncc_atlas_connector.owner_uuid"), self.sandbox.ncc_user_uuid)
        # Another Atlas (a sandbox of the same kind as the tests'), with another key.
        other = type(self.sandbox)(api_key="another-ncc-key-0123456", reviewer_key="another-reviewer-key")
        other.start()
        self.addCleanup(other.close)
        self.sync._configure_sandbox(other.url, "another-ncc-key-0123456")
        imp = self.start()
        self.assertEqual(imp.owner_uuid, other.ncc_user_uuid)
        self.assertNotEqual(imp.owner_uuid, self.sandbox.ncc_user_uuid)
        self.assertEqual(params.get_param("ncc_atlas_connector.owner_uuid"), other.ncc_user_uuid)
        self.assertFalse(imp.line_ids)
        self.assertEqual(other.count("GET", CLUSTERS, 200), 1)
        self.assertEqual(self.sandbox.count("GET", CLUSTERS), 0)
        view = self.env["ir.ui.view"].browse(imp.get_views([(False, "form")])["views"]["form"]["id"])
        self.assertIn("lists no registration owned by the Atlas user", view.arch)
        other.add_cluster(self.values(7))
        self.assertEqual(len(self.start().line_ids), 1)

    def test_countries_are_refreshed_first_and_an_unknown_ncc_country_is_reported(self):
        new_country = str(uuid.uuid4())
        with self.sandbox.store.transaction() as db:
            db.execute("INSERT INTO term (uuid, vocabulary, name, iso_code, weight) VALUES (?, 'country', ?, 'IS', 99)",
                       (new_country, "Iceland"))
        imp = self.start()
        term = self.env["ncc.atlas.term"].search([("atlas_uuid", "=", new_country)])
        self.assertEqual((term.name, term.iso_code), ("Iceland", "IS"))
        self.assertFalse(imp.country_warning, "Luxembourg is an Atlas country")

        unknown = self.env["ncc.atlas.term"].create({"name": "Atlantis", "vocabulary": "country", "iso_code": "XA",
                                                     "atlas_uuid": str(uuid.uuid4())})
        self.env["ir.config_parameter"].sudo().set_param("ncc_atlas_connector.country_term_id", unknown.id)
        imp = self.start()
        self.assertIn("Atlantis, is a term the Atlas does not know", imp.country_warning)
        self.assertFalse(unknown.active, "archived: the Atlas no longer lists it")

    def test_case_and_spacing_of_the_registration_number_are_no_conflict(self):
        company = self.company("Atlas Organisation 000", company_registry="r 000000",
                               country_id=self.env.ref("base.lu").id)
        [atlas_uuid] = self.seed(1)
        imp = self.start()
        line = self.line(imp, atlas_uuid)
        self.assertEqual((line.partner_id, line.match_rule, line.issues), (company, "registry", False))
        imp.action_confirm()
        self.assertEqual(line.result, "linked")
        self.assertEqual((company.ncc_sync_state, company.ncc_sync_error), ("synced", False))
        self.assertEqual(company.company_registry, "r 000000", "kept as the NCC spells it")
        company._ncc_mark_pending()
        self.push()
        self.assertEqual(self.sandbox.count("PATCH", PATCH), 0)
        again = self.start()
        again.action_confirm()
        self.assertEqual(self.line(again, atlas_uuid).result, "unchanged")
        self.assertEqual(company.ncc_sync_state, "synced")

    # --- as the web client opens it ---------------------------------------------------------------------------

    def test_opened_from_the_menu_as_the_web_client_does(self):
        uuids = self._seed_refused()
        manager = new_test_user(self.env, login="menu_manager",
                                groups="base.group_user,ncc_atlas_connector.group_ncc_manager")
        menu = self.env.ref("ncc_atlas_connector.menu_ncc_atlas_import")
        server_action = menu.action.with_user(manager)
        action = server_action.with_context(server_action.env.context).run()
        self.assertEqual((action["res_model"], action["type"]), ("ncc.atlas.import", "ir.actions.act_window"))
        model = self.env[action["res_model"]].with_user(manager).with_context(action.get("context") or {})
        form = Form(model.browse(action["res_id"]))
        self.assertEqual(form.state, "draft")
        index = next(i for i, line in enumerate(form.line_ids._records) if line["atlas_uuid"] == uuids["number"])
        with form.line_ids.edit(index) as line:
            self.assertIn("not a valid French SIREN", line.issues)
            self.assertEqual((line.action, line.left_out_labels), ("skip", "Registration number"))
        record = form.save()
        # The row's button, as the web client calls it once the form is saved.
        self.line(record, uuids["number"]).with_user(manager).action_include()
        self.assertEqual(self.line(record, uuids["number"]).action, "incomplete")
        record.action_confirm()
        self.assertEqual(self.line(record, uuids["number"]).result, "incomplete")
        self.assertEqual(self.line(record, uuids["main_seat"]).state, "skipped")

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


@tagged("post_install", "-at_install")
class TestAtlasImportTour(ImportCase, HttpCase):
    """In the browser, as a manager: the preview from the menu, what the rules refuse, competing registrations.
    With NCC_SCREENSHOTS set to a folder, the preview is saved there as a PNG (1440x900)."""

    browser_size = "1440x900"

    def setUp(self):
        super().setUp()
        self.manager = new_test_user(self.env, "import_tour_manager", name="Mia Manager",
                                     groups="base.group_user,ncc_atlas_connector.group_ncc_manager")
        self.company("Atlas Organisation 001", country_id=self.env.ref("base.lu").id)
        self.uuids = self._seed_refused()
        self.twin = self.sandbox.add_cluster(self.values(5, title="atlas organisation 001"))

    def test_manager_previews_and_imports_a_refused_registration_as_incomplete(self):
        self.start_tour("/odoo", "ncc_atlas_import_tour", login="import_tour_manager")
        imp = self.Import.search([], limit=1)
        self.assertEqual((imp.state, imp.confirm_uid), ("done", self.manager))
        self.assertEqual(self.line(imp, self.uuids["number"]).result, "incomplete")
        partner = self.linked(self.uuids["number"])
        self.assertEqual((partner.ncc_stage_id, partner.company_registry), (self.stage("intake"), False))
        self.assertEqual(self.line(imp, self.uuids["fine"]).result, "created")
        self.assertFalse(self.linked(self.uuids["main_seat"]), "left out: the manager did not include it")
        self.assertFalse(self.linked(self.twin) or self.linked(self.uuids["main_seat"]))

    def test_only_managers_reach_the_import_over_json_rpc(self):
        new_test_user(self.env, "import_rpc_officer", groups="base.group_user,ncc_atlas_connector.group_ncc_officer")
        new_test_user(self.env, "import_rpc_user", groups="base.group_user")
        imp = self.start()
        line = self.line(imp, self.uuids["number"])
        calls = [
            ("ncc.atlas.import", "action_start", []),
            ("ncc.atlas.import", "action_confirm", [imp.ids]),
            ("ncc.atlas.import.line", "action_include", [line.ids]),
            ("ncc.atlas.import.line", "read", [line.ids, ["issues", "atlas_values"]]),
        ]
        for login in ("import_rpc_officer", "import_rpc_user"):
            self.authenticate(login, login)
            for model, method, args in calls:
                with self.subTest(login=login, method=method), mute_logger("odoo.http"), \
                        self.assertRaises(JsonRpcException) as refused:
                    self.make_jsonrpc_request("/web/dataset/call_kw", {
                        "model": model, "method": method, "args": args, "kwargs": {}})
                self.assertIn(str(refused.exception), ("odoo.exceptions.AccessError", "odoo.exceptions.UserError"))
        self.assertTrue(line.excluded, "nothing changed")
        self.authenticate("import_tour_manager", "import_tour_manager")
        self.make_jsonrpc_request("/web/dataset/call_kw", {
            "model": "ncc.atlas.import.line", "method": "action_include", "args": [line.ids], "kwargs": {}})
        self.assertEqual(line.action, "incomplete")

    def test_preview_screenshot(self):
        folder = os.environ.get("NCC_SCREENSHOTS")
        if not folder:
            self.skipTest("NCC_SCREENSHOTS is not set")
        original = ChromeBrowser._wait_code_ok

        def wait_then_shoot(browser, *args, **kwargs):
            result = original(browser, *args, **kwargs)
            shot = browser._websocket_request("Page.captureScreenshot", params={"format": "png"})
            Path(folder, "atlas_import_preview.png").write_bytes(base64.b64decode(shot["data"]))
            return result

        with patch.object(ChromeBrowser, "_wait_code_ok", wait_then_shoot):
            self.start_tour("/odoo", "ncc_atlas_import_preview_tour", login="import_tour_manager")
        self.assertTrue(Path(folder, "atlas_import_preview.png").exists())
