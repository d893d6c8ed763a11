"""Registrations from a spreadsheet, through Odoo's own import, with the template of the Registrations list."""

import csv
import io

import openpyxl

from odoo.tests import tagged
from odoo.tools.misc import file_open

from odoo.addons.ncc_atlas_connector.models.ncc_spreadsheet_import import TEMPLATE

from .registration_common import RegistrationCase

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What the Registrations action gives the import (its context).
ACTION_CONTEXT = {"default_is_company": True, "default_ncc_is_applicant": True}
OPTIONS = {
    "import_skip_records": [], "import_set_empty_fields": [], "fallback_values": {},
    "name_create_enabled_fields": {}, "encoding": "utf-8", "separator": ",", "quoting": '"', "date_format": "",
    "datetime_format": "", "float_thousand_separator": ",", "float_decimal_separator": ".", "advanced": True,
    "has_headers": True, "keep_matches": False, "limit": 2000, "skip": 0, "tracking_disable": True,
}
# Every field of the registration form a spreadsheet may fill in.
REGISTRATION_FIELDS = (
    "name", "ncc_name_national", "ncc_department", "company_registry", "street", "zip", "city", "country_id",
    "website", "email", "phone", "ncc_cluster_type_id", "ncc_size_class", "ncc_is_headquarters",
    "ncc_headquarters_details", "ncc_has_subsidiaries", "ncc_subsidiaries_details", "ncc_has_majority_outside",
    "ncc_majority_outside_details", "ncc_no_exclusion", "ncc_no_exclusion_date", "ncc_data_sharing_consent",
    "ncc_data_sharing_consent_date", "ncc_privacy_notice_accepted", "ncc_privacy_notice_accepted_date",
    "ncc_member_tasks_accepted", "ncc_member_tasks_accepted_date", "ncc_form_completed", "ncc_form_completed_date",
    "ncc_representative_first_name", "ncc_representative_family_name", "ncc_representative_function",
    "ncc_representative_email", "ncc_representative_phone", "ncc_field_of_activity_ids",
    "ncc_expertise_description", "ncc_goals_to_achieve", "ncc_goals_to_contribute", "ncc_thematic_area_ids",
    "ncc_sector_ids", "ncc_technology_ids", "ncc_use_case_ids",
)


@tagged("post_install", "-at_install")
class TestSpreadsheetImport(RegistrationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with file_open(TEMPLATE.lstrip("/"), "rb") as handle:
            cls.template = handle.read()
        sheet = openpyxl.load_workbook(io.BytesIO(cls.template)).active
        cls.header, cls.example = ([cell.value or "" for cell in row] for row in sheet.iter_rows(max_row=2))

    # --- helpers -------------------------------------------------------------------------------------------------

    def importer(self, content, file_type=XLSX):
        return self.env["base_import.import"].with_context(ACTION_CONTEXT).create(
            {"res_model": "res.partner", "file": content, "file_type": file_type}
        )

    def csv(self, *rows, header=None):
        out = io.StringIO()
        csv.writer(out).writerows([header or self.header, *rows])
        return out.getvalue().encode()

    def row(self, **changes):
        """The template's example row with some columns changed (by column title)."""
        row = list(self.example)
        for title, value in changes.items():
            row[self.header.index(title.replace("_", " "))] = value
        return row

    def run_import(self, content, file_type="text/csv", dryrun=False):
        importer = self.importer(content, file_type)
        preview = importer.parse_preview(dict(OPTIONS))
        self.assertFalse(preview.get("error"), preview.get("error"))
        fields = ["/".join(preview["matches"][i]) if i in preview["matches"] else False
                  for i in range(len(preview["headers"]))]
        return importer.execute_import(fields, [h.lower() for h in preview["headers"]], dict(OPTIONS), dryrun=dryrun)

    def registrations(self, *names):
        return self.Partner.with_context(active_test=False).search([("name", "in", names)])

    # --- the template --------------------------------------------------------------------------------------------

    def test_the_registrations_list_offers_the_template(self):
        templates = self.Partner.with_context(ACTION_CONTEXT).get_import_templates()
        self.assertEqual([t["template"] for t in templates], [TEMPLATE])
        self.assertNotIn(TEMPLATE, [t["template"] for t in self.Partner.get_import_templates()],
                         "the Contacts list keeps Odoo's own template")
        self.assertEqual(len(self.example), len(self.header), "one example row, filled")

    def test_every_column_is_matched_by_its_title(self):
        importer = self.importer(self.template)
        preview = importer.parse_preview(dict(OPTIONS))
        unmatched = [title for i, title in enumerate(preview["headers"]) if i not in preview["matches"]]
        self.assertFalse(unmatched)
        self.assertEqual(len(preview["matches"]), len(self.header))

    def test_every_registration_field_is_imported_by_its_label(self):
        Partner = self.env["res.partner"]
        labels = [Partner._fields[name].string for name in REGISTRATION_FIELDS]
        importable = self.env["base_import.import"].get_fields_tree("res.partner")
        by_label = {}
        for field in importable:
            by_label.setdefault(field["string"].casefold(), []).append(field["name"])
        for name, label in zip(REGISTRATION_FIELDS, labels, strict=True):
            self.assertNotIn("/", label, f"{name}: a '/' makes the title a path to a sub-field")
            self.assertEqual(by_label.get(label.casefold()), [name], f"{label}: one importable field, {name}")
        preview = self.importer(self.csv(["x"] * len(labels), header=labels), "text/csv").parse_preview(dict(OPTIONS))
        self.assertFalse(preview.get("error"), preview.get("error"))
        self.assertEqual([preview["matches"].get(i) for i in range(len(labels))],
                         [[name] for name in REGISTRATION_FIELDS])

    def test_the_template_row_imports_as_a_complete_applicant_in_the_first_stage(self):
        result = self.run_import(self.template, XLSX, dryrun=True)
        self.assertEqual(result["messages"], [])
        self.assertFalse(self.registrations("Example Cyber Labs S.A."), "a test run writes nothing")

        result = self.run_import(self.template, XLSX)
        self.assertEqual(result["messages"], [])
        company = self.registrations("Example Cyber Labs S.A.")
        self.assertEqual(company.ids, result["ids"])
        self.assertTrue(company.is_company and company.ncc_is_applicant)
        self.assertEqual(company.ncc_stage_id, self.env["res.partner"]._ncc_first_stage(), "a draft, to submit")
        self.assertTrue(company.ncc_registration_complete, company.ncc_missing_items)
        self.assertEqual(company.ncc_sync_state, "not_sent")
        self.assertEqual((company.company_registry, company.country_id.code, company.website, company.email),
                         ("B765432", "LU", "https://www.example-cyber-labs.example.eu",
                          "info@example-cyber-labs.example.eu"))
        self.assertEqual(company.ncc_size_class, "small")
        self.assertTrue(company.ncc_is_headquarters)
        self.assertFalse(company.ncc_has_subsidiaries)
        self.assertTrue(company.ncc_member_tasks_accepted_date, "declared on the day of the import")
        rep = company.ncc_representative_id
        self.assertEqual((rep.name, rep.ncc_first_name, rep.ncc_family_name, rep.function, rep.email, rep.phone),
                         ("Marie Dupont", "Marie", "Dupont", "Head of information security",
                          "marie.dupont@example-cyber-labs.example.eu", "+352 20 00 00 02"))
        self.assertFalse(rep.is_company or rep.ncc_is_applicant)
        self.assertEqual(company.ncc_cluster_type_id, self.term("cluster_type_industry_sme"))
        activities = self.term("fields_of_activity_academia_research_or_innovation") | self.term(
            "fields_of_activity_industrial_or_product_development")
        self.assertEqual(company.ncc_field_of_activity_ids, activities, "a name holding a comma is read whole")
        self.assertEqual(company.ncc_thematic_area_ids.mapped("name"),
                         ["Cryptology (Cryptography and Cryptanalysis)", "Post-quantum cryptography"])
        self.assertEqual(company.ncc_sector_ids.mapped("name"), ["Energy", "Financial"])
        self.assertEqual(company.ncc_technology_ids.mapped("name"), ["Cloud, Edge and Virtualisation"])
        self.assertEqual(company.ncc_use_case_ids.mapped("name"), ["Critical Infrastructure Protection (CIP)"])

    def test_an_invalid_row_is_reported_and_nothing_is_imported(self):
        good = self.row(Name_in_English="Second Example S.A.", Registration_number="B765433")
        unknown_term = self.row(Name_in_English="Third Example S.A.", Registration_number="B765434",
                                Sectors="Energy,Astrology")
        bad_email = self.row(Name_in_English="Fourth Example S.A.", Registration_number="B765435",
                             General_contact_email="not an email")
        names = ("Example Cyber Labs S.A.", "Second Example S.A.", "Third Example S.A.", "Fourth Example S.A.")
        content = self.csv(self.example, good, unknown_term, bad_email)

        for dryrun in (True, False):
            result = self.run_import(content, dryrun=dryrun)
            self.assertFalse(result["ids"])
            errors = [m for m in result["messages"] if m["type"] == "error"]
            by_row = {}
            for message in errors:
                by_row.setdefault(message["rows"]["from"], []).append(message["message"])
            # Each bad row has its error (Odoo also repeats the first one at the top, on the first row).
            self.assertIn("Astrology", " ".join(by_row[2]))
            self.assertIn("not an email", " ".join(by_row[3]))
            self.assertNotIn(1, by_row)
            self.assertFalse(self.registrations(*names), "nothing half-written")

        # Once the two rows are corrected (or taken out), the others import.
        result = self.run_import(self.csv(self.example, good))
        self.assertEqual(result["messages"], [])
        self.assertEqual(len(self.registrations(*names)), 2)

    def test_a_row_with_an_unknown_term_can_be_skipped(self):
        unknown_term = self.row(Name_in_English="Third Example S.A.", Registration_number="B765434",
                                Sectors="Astrology")
        importer = self.importer(self.csv(self.example, unknown_term), "text/csv")
        preview = importer.parse_preview(dict(OPTIONS))
        fields = ["/".join(preview["matches"][i]) for i in range(len(preview["headers"]))]
        result = importer.execute_import(fields, [h.lower() for h in preview["headers"]],
                                         dict(OPTIONS, import_skip_records=["ncc_sector_ids"]))
        self.assertEqual(len(result["ids"]), 1)
        self.assertTrue(self.registrations("Example Cyber Labs S.A."))
        self.assertFalse(self.registrations("Third Example S.A."))

    def test_terms_are_looked_up_in_their_own_vocabulary(self):
        Term = self.env["ncc.atlas.term"]
        energy_use_case = Term.create({"name": "Energy", "vocabulary": "use_cases"})
        sub = self.term("cluster_thematic_area_post_quantum_cryptography")
        ai = self.term("technologies_artificial_intelligence")
        row = self.row(Sectors="Energy", Use_cases="Energy", Knowledge_domains=sub.display_name,
                       Technologies=f"{ai.atlas_uuid}, Cloud, Edge and Virtualisation")
        result = self.run_import(self.csv(row))
        self.assertEqual(result["messages"], [])
        company = self.registrations("Example Cyber Labs S.A.")
        self.assertEqual(company.ncc_sector_ids, self.term("sectors_energy"))
        self.assertEqual(company.ncc_use_case_ids, energy_use_case)
        self.assertEqual(company.ncc_thematic_area_ids, sub, "as exported: “Domain / Sub-domain”")
        self.assertEqual(company.ncc_technology_ids.mapped("name"),
                         ["Artificial Intelligence", "Cloud, Edge and Virtualisation"])

    def test_an_export_imports_again(self):
        company = self.create_applicant()
        fields = ["name", "company_registry", "ncc_cluster_type_id", "ncc_field_of_activity_ids",
                  "ncc_thematic_area_ids"]
        exported = company._export_rows([[name] for name in fields])
        exported[0][:2] = ["Exported And Imported S.A.", "B999999"]
        labels = [self.Partner._fields[name].string for name in fields]
        result = self.run_import(self.csv(*exported, header=labels))
        self.assertEqual(result["messages"], [])
        again = self.Partner.browse(result["ids"])
        self.assertEqual(again.name, "Exported And Imported S.A.")
        self.assertEqual(again.ncc_thematic_area_ids, self.term("cluster_thematic_area_post_quantum_cryptography"))
        self.assertEqual(again.ncc_cluster_type_id, self.term("cluster_type_industry_sme"))
