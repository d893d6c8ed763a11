from ast import literal_eval
from datetime import date

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .registration_common import RegistrationCase

DECLARATIONS = {
    "ncc_no_exclusion": "No exclusion situation",
    "ncc_data_sharing_consent": "Data sharing consent",
    "ncc_privacy_notice_accepted": "Data-protection notice accepted",
    "ncc_member_tasks_accepted": "Member tasks accepted",
    "ncc_form_completed": "Form completed",
}


@tagged("post_install", "-at_install")
class TestRegistrationCompleteness(RegistrationCase):
    def test_complete_applicant_has_nothing_missing(self):
        company = self.create_applicant()
        self.assertEqual(company.ncc_missing_items, False)
        self.assertTrue(company.ncc_registration_complete)
        self.assertEqual(company.ncc_representative_id.name, "Ana García López")

    def test_an_empty_applicant_lists_everything_the_atlas_needs(self):
        company = self.Partner.create({"name": "Empty Applicant", "is_company": True, "ncc_is_applicant": True})
        self.assertFalse(company.ncc_registration_complete)
        expected = [
            "Name in the national language",
            "Country",
            "City",
            "Street address",
            "Website",
            "General contact email",
            "Organisation type",
            "Contact person (a contact of the organisation marked as Community representative)",
            "At least one field of activity (Art. 8(3))",
            "Description of the expertise",
            "At least one taxonomy classification (knowledge domain, sector, technology or use case)",
            *(f"Declaration: {label}" for label in DECLARATIONS.values()),
        ]
        self.assertEqual(company.ncc_missing_items.split("\n"), [f"• {item}" for item in expected])

    def test_each_requirement_is_listed_when_it_goes_missing(self):
        cases = {
            "Name in the national language": {"ncc_name_national": False},
            "Street address": {"street": False},
            "City": {"city": False},
            "Country": {"country_id": False},
            "Website": {"website": False},
            "General contact email": {"email": False},
            "Organisation type": {"ncc_cluster_type_id": False},
            "At least one field of activity (Art. 8(3))": {"ncc_field_of_activity_ids": [(5, 0, 0)]},
            "Description of the expertise": {"ncc_expertise_description": "   "},
            "At least one taxonomy classification": {"ncc_thematic_area_ids": [(5, 0, 0)]},
            **{f"Declaration: {label}": {flag: False} for flag, label in DECLARATIONS.items()},
        }
        for item, vals in cases.items():
            with self.subTest(item=item):
                company = self.create_applicant()
                self.assertTrue(company.ncc_registration_complete)
                company.write(vals)
                self.assertFalse(company.ncc_registration_complete)
                self.assertTrue(company.ncc_missing_items.startswith(f"• {item}"), company.ncc_missing_items)
                self.assertEqual(len(company.ncc_missing_items.split("\n")), 1, company.ncc_missing_items)

    def test_the_contact_person_needs_first_name_family_name_and_email(self):
        company = self.create_applicant(representative=False)
        self.assertIn("Contact person (a contact", company.ncc_missing_items)
        person = self.Partner.create(
            {"name": "Cher", "parent_id": company.id, "ncc_is_representative": True, "email": False}
        )
        self.assertEqual(company.ncc_representative_id, person)
        self.assertEqual(
            company.ncc_missing_items.split("\n"), ["• Contact person: family name", "• Contact person: email"]
        )
        person.write({"name": "Cher Sarkisian", "email": "cher@kirchberg-secure.example.eu"})
        self.assertTrue(company.ncc_registration_complete, company.ncc_missing_items)
        person.ncc_first_name = False
        self.assertEqual(company.ncc_missing_items, "• Contact person: first name")

    def test_one_taxonomy_dimension_is_enough(self):
        for fname, xmlid in [
            ("ncc_thematic_area_ids", "cluster_thematic_area_human_aspects"),
            ("ncc_sector_ids", "sectors_health"),
            ("ncc_technology_ids", "technologies_operating_systems"),
            ("ncc_use_case_ids", "use_cases_protection_of_public_spaces"),
        ]:
            with self.subTest(dimension=fname):
                vals = {"ncc_thematic_area_ids": [(5, 0, 0)], fname: [(4, self.term(xmlid).id)]}
                company = self.create_applicant(**vals)
                self.assertTrue(company.ncc_registration_complete, company.ncc_missing_items)

    def test_ownership_answers_do_not_add_missing_items_once_detailed(self):
        company = self.create_applicant(
            ncc_is_headquarters=False,
            ncc_headquarters_details="Parent: Nordlicht Security GmbH, Berlin, Germany",
            ncc_has_subsidiaries=True,
            ncc_subsidiaries_details="Kirchberg Secure Systems BV, Eindhoven, Netherlands",
        )
        self.assertTrue(company.ncc_registration_complete, company.ncc_missing_items)

    def test_an_individual_cannot_be_a_complete_registration(self):
        person = self.create_applicant(representative=False, is_company=False, name="Jo Solo")
        self.assertFalse(person.ncc_registration_complete)
        self.assertIn("must be an organisation", person.ncc_missing_items)

    def test_ordinary_contacts_are_not_checked(self):
        company = self.Partner.create({"name": "Not An Applicant", "is_company": True})
        self.assertFalse(company.ncc_registration_complete)
        self.assertFalse(company.ncc_missing_items)

    def test_completeness_is_stored_and_searchable(self):
        complete = self.create_applicant()
        incomplete = self.create_applicant(ncc_form_completed=False)
        found = self.Partner.search(
            [("ncc_registration_complete", "=", True), ("id", "in", (complete | incomplete).ids)]
        )
        self.assertEqual(found, complete)
        self.assertIn("Declaration: Form completed", incomplete.ncc_missing_items)


@tagged("post_install", "-at_install")
class TestRegistrationValidation(RegistrationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.create_applicant()

    def test_text_limits(self):
        limits = {
            "name": 500,
            "ncc_name_national": 400,
            "ncc_department": 400,
            "company_registry": 100,
            "phone": 50,
            "ncc_expertise_description": 800,
            "ncc_goals_to_achieve": 800,
            "ncc_goals_to_contribute": 800,
        }
        for fname, limit in limits.items():
            with self.subTest(field=fname):
                value = "9" * limit if fname in ("phone", "company_registry") else "x" * limit
                self.company.write({fname: value})
                self.assertEqual(len(self.company[fname]), limit)
                error = self.assertRejected(self.company, {fname: value + "9"}, f"the Atlas accepts at most {limit}")
                self.assertIn(f"is {limit + 1} characters long", str(error))

    def test_text_limits_only_bind_applicants(self):
        other = self.Partner.create(
            {"name": "Plain Company", "is_company": True, "ncc_expertise_description": "y" * 900}
        )
        self.assertEqual(len(other.ncc_expertise_description), 900)
        self.assertRejected(other, {"ncc_is_applicant": True}, "Description of the expertise is 900 characters long")

    def test_text_limit_rejects_a_create_and_saves_nothing(self):
        self.assertCreateRejected(
            self.complete_vals(name="Too Long Department", ncc_department="d" * 401), "the Atlas accepts at most 400"
        )

    def test_general_email_format(self):
        for email in ("contact@cyber.example.eu", "first.last+ncc@sub.cyber.example.eu", "Info@Example.EU"):
            with self.subTest(email=email):
                self.company.email = email
                self.assertEqual(self.company.email, email)
        for email in (
            "contact",
            "contact@",
            "contact@example",
            "@example.eu",
            "two words@example.eu",
            "a@example.eu, b@example.eu",
            "Jane <jane@example.eu>",
        ):
            with self.subTest(email=email):
                self.assertRejected(self.company, {"email": email}, "is not a valid email address")

    def test_website_format(self):
        accepted = {
            "https://www.cyber.example.eu": "https://www.cyber.example.eu",
            "http://cyber.example.eu/en/about?x=1": "http://cyber.example.eu/en/about?x=1",
            "www.cyber.example.eu": "http://www.cyber.example.eu",  # Odoo adds the scheme
            "https://münchen-sicher.example.de": "https://münchen-sicher.example.de",
        }
        for url, stored in accepted.items():
            with self.subTest(url=url):
                self.company.website = url
                self.assertEqual(self.company.website, stored)
        for url in (
            "ftp://files.example.eu",
            "https://",
            "http://exa mple.eu",
            "https://localhost",
            "javascript:alert(1)",
            "https://example.eu:99999",
        ):
            with self.subTest(url=url):
                self.assertRejected(self.company, {"website": url}, "is not a valid website address")

    def test_main_seat_details_required_when_not_headquarters(self):
        message = "give the name and address of the main seat"
        self.assertRejected(self.company, {"ncc_is_headquarters": False}, message)
        self.assertRejected(self.company, {"ncc_is_headquarters": False, "ncc_headquarters_details": "  \n"}, message)
        self.assertCreateRejected(self.complete_vals(name="Branch Office", ncc_is_headquarters=False), message)
        self.company.write({"ncc_is_headquarters": False, "ncc_headquarters_details": "Nordlicht GmbH, Berlin"})
        self.assertFalse(self.company.ncc_is_headquarters)
        self.assertRejected(self.company, {"ncc_headquarters_details": False}, message)

    def test_subsidiary_details_required_when_answered_yes(self):
        message = "list them (name and country)"
        self.assertRejected(self.company, {"ncc_has_subsidiaries": True}, message)
        self.assertCreateRejected(self.complete_vals(name="Holding", ncc_has_subsidiaries=True), message)
        self.company.write({"ncc_has_subsidiaries": True, "ncc_subsidiaries_details": "KSS BV, Netherlands"})
        self.assertTrue(self.company.ncc_has_subsidiaries)

    def test_majority_share_details_required_when_answered_yes(self):
        message = "say which organisations and where"
        self.assertRejected(self.company, {"ncc_has_majority_outside": True}, message)
        self.assertCreateRejected(self.complete_vals(name="Investor", ncc_has_majority_outside=True), message)
        self.company.write({"ncc_has_majority_outside": True, "ncc_majority_outside_details": "51% of X Ltd, Malta"})
        self.assertTrue(self.company.ncc_has_majority_outside)

    def test_details_not_required_from_ordinary_contacts(self):
        other = self.Partner.create({"name": "Plain", "is_company": True, "ncc_is_headquarters": False})
        self.assertFalse(other.ncc_is_headquarters)

    def test_country_must_be_an_eu_member_state(self):
        for xmlid in ("base.ch", "base.us", "base.no", "base.uk"):
            with self.subTest(country=xmlid):
                self.assertRejected(self.company, {"country_id": self.env.ref(xmlid).id}, "is not an EU Member State")
        self.assertCreateRejected(
            self.complete_vals(name="Swiss Applicant", country_id=self.env.ref("base.ch").id),
            "is not an EU Member State",
        )
        self.company.country_id = self.env.ref("base.de")
        self.assertEqual(self.company.ncc_country_term_id, self.term("country_de"))
        # Ordinary contacts live anywhere, but do not become applicants there.
        other = self.Partner.create({"name": "US Corp", "is_company": True, "country_id": self.env.ref("base.us").id})
        self.assertRejected(other, {"ncc_is_applicant": True}, "United States is not an EU Member State")

    def test_one_registration_per_number_and_country(self):
        number = self.company.company_registry
        message = "can have only one Community registration per country"
        error = self.assertCreateRejected(self.complete_vals(name="Copycat S.A.", company_registry=number), message)
        self.assertIn(self.company.name, str(error))
        # Compared without case, spaces and punctuation.
        spaced = f"{number[0].lower()} {number[1:4]}.{number[4:]}"
        self.assertCreateRejected(self.complete_vals(name="Copycat S.A.", company_registry=spaced), message)
        other = self.create_applicant(name="Second Applicant")
        self.assertRejected(other, {"company_registry": number}, message)
        # The same number in another country, or on an ordinary contact, is someone else.
        self.create_applicant(name="German Namesake", company_registry=number, country_id=self.env.ref("base.de").id)
        lu = self.env.ref("base.lu").id
        self.Partner.create({"name": "Not applying", "is_company": True, "company_registry": number, "country_id": lu})
        self.assertRejected(self.Partner.search([("name", "=", "Not applying")]), {"ncc_is_applicant": True}, message)

    def test_an_archived_registration_does_not_block_a_new_one(self):
        number = self.company.company_registry
        self.company.action_archive()
        newer = self.create_applicant(name="Kirchberg Secure Systems (new)", company_registry=number)
        self.assertTrue(newer.ncc_is_applicant)
        self.assertRejected(self.company, {"active": True}, "can have only one Community registration")

    def test_national_number_format_checked_where_stdnum_knows_it(self):
        be = self.env.ref("base.be").id
        belgian = self.create_applicant(name="Gent Cyber NV", country_id=be, company_registry="0403.170.701")
        self.assertRejected(belgian, {"company_registry": "0403.170.702"}, "not a valid Belgian enterprise number")
        self.assertCreateRejected(
            self.complete_vals(name="Paris Cyber SAS", country_id=self.env.ref("base.fr").id, company_registry="123"),
            "not a valid French SIREN, SIRET or RNA number",
        )
        french = self.create_applicant(
            name="Paris Cyber SAS", country_id=self.env.ref("base.fr").id, company_registry="732 829 320"
        )
        french.company_registry = "73282932000074"  # a SIRET is accepted too
        french.company_registry = "W751234567"  # and so is the RNA number of an association
        # Austrian associations have no Firmenbuchnummer: Austria is not checked.
        self.create_applicant(
            name="Wiener Verein", country_id=self.env.ref("base.at").id, company_registry="ZVR 123456789"
        )
        # No validator for Luxembourg or the Netherlands: anything within the limits goes.
        self.company.company_registry = "B 999 999 (RCS Luxembourg)"
        dutch = self.create_applicant(name="Delft Secure BV", country_id=self.env.ref("base.nl").id)
        dutch.company_registry = "KvK 12345678"
        self.assertEqual(dutch.company_registry, "KvK 12345678")

    def test_links_only_take_terms_of_their_vocabulary(self):
        sector = self.term("sectors_health")
        for fname in ("ncc_field_of_activity_ids", "ncc_thematic_area_ids", "ncc_technology_ids", "ncc_use_case_ids"):
            with self.subTest(field=fname):
                self.assertRejected(self.company, {fname: [(4, sector.id)]}, "“Health” is not one")
        self.assertRejected(self.company, {"ncc_cluster_type_id": sector.id}, "only takes terms of the")

    def test_links_use_the_seeded_vocabularies(self):
        Term = self.env["ncc.atlas.term"]
        expected = {
            "ncc_cluster_type_id": 9,
            "ncc_field_of_activity_ids": 6,
            "ncc_thematic_area_ids": 165,
            "ncc_sector_ids": 15,
            "ncc_technology_ids": 17,
            "ncc_use_case_ids": 6,
        }
        for fname, count in expected.items():
            with self.subTest(field=fname):
                field = self.Partner._fields[fname]
                self.assertEqual(field.comodel_name, "ncc.atlas.term")
                domain = literal_eval(field.domain)
                self.assertEqual(Term.search_count(domain), count)
        self.company.write(
            {
                "ncc_sector_ids": [(4, self.term("sectors_energy").id)],
                "ncc_technology_ids": [(4, self.term("technologies_artificial_intelligence").id)],
                "ncc_use_case_ids": [(4, self.term("use_cases_critical_infrastructure_protection_cip").id)],
            }
        )
        self.assertEqual(self.company.ncc_cluster_type_id.atlas_uuid, self.term("cluster_type_industry_sme").atlas_uuid)
        self.assertTrue(all(self.company.ncc_sector_ids.mapped("atlas_uuid")))

    def test_country_term_follows_the_address(self):
        self.assertEqual(self.company.ncc_country_term_id, self.term("country_lu"))
        self.assertEqual(self.company.ncc_country_term_id.iso_code, "LU")
        other = self.Partner.create({"name": "Swiss", "is_company": True, "country_id": self.env.ref("base.ch").id})
        self.assertFalse(other.ncc_country_term_id)
        found = self.Partner.search([("ncc_country_term_id", "=", self.term("country_lu").id)])
        self.assertIn(self.company, found)
        self.assertNotIn(other, found)

    def test_thematic_areas_are_summarised_under_their_domain(self):
        self.company.ncc_thematic_area_ids = (
            self.term("cluster_thematic_area_post_quantum_cryptography")
            | self.term("cluster_thematic_area_hash_functions")
            | self.term("cluster_thematic_area_human_aspects")
        )
        summary = str(self.company.ncc_thematic_area_summary)
        self.assertIn(
            "<strong>Cryptology (Cryptography and Cryptanalysis)</strong>: Hash functions, Post-quantum cryptography",
            summary,
        )
        self.assertIn("<li><strong>Human aspects</strong></li>", summary)

    def test_character_counters(self):
        self.company.ncc_goals_to_achieve = "x" * 123
        self.assertEqual(self.company.ncc_goals_to_achieve_length, 123)


@tagged("post_install", "-at_install")
class TestRegistrationDeclarations(RegistrationCase):
    @freeze_time("2026-03-02")
    def test_date_set_when_ticked_and_cleared_when_unticked(self):
        company = self.create_applicant(**dict.fromkeys(DECLARATIONS, False))
        for flag in DECLARATIONS:
            with self.subTest(declaration=flag):
                self.assertFalse(company[f"{flag}_date"])
                company[flag] = True
                self.assertEqual(company[f"{flag}_date"], date(2026, 3, 2))
                company[flag] = False
                self.assertFalse(company[f"{flag}_date"])

    def test_given_date_is_kept(self):
        company = self.create_applicant(ncc_no_exclusion=True, ncc_no_exclusion_date="2025-11-04")
        self.assertEqual(company.ncc_no_exclusion_date, date(2025, 11, 4))
        company.write({"ncc_data_sharing_consent": False})
        company.write({"ncc_data_sharing_consent": True, "ncc_data_sharing_consent_date": "2025-12-01"})
        self.assertEqual(company.ncc_data_sharing_consent_date, date(2025, 12, 1))
        self.assertEqual(company.ncc_no_exclusion_date, date(2025, 11, 4), "other declarations keep their date")

    def test_date_stays_while_the_box_stays_ticked(self):
        # Stored computes run when the request flushes: flush inside each frozen day.
        with freeze_time("2026-01-10"):
            company = self.create_applicant()
            self.env.flush_all()
        with freeze_time("2026-02-20"):
            company.write({"ncc_member_tasks_accepted": True, "ncc_goals_to_achieve": "More partners."})
            self.env.flush_all()
        self.assertEqual(company.ncc_member_tasks_accepted_date, date(2026, 1, 10))

    def test_a_copy_carries_no_declaration(self):
        company = self.create_applicant()
        copy = company.copy()
        self.assertFalse(copy.ncc_is_applicant)
        for flag in DECLARATIONS:
            self.assertFalse(copy[flag])
            self.assertFalse(copy[f"{flag}_date"])


@tagged("post_install", "-at_install")
class TestRegistrationRepresentative(RegistrationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.create_applicant()
        cls.ana = cls.company.ncc_representative_id
        cls.bob = cls.Partner.create(
            {"name": "Bob Weber", "parent_id": cls.company.id, "email": "bob.weber@kirchberg-secure.example.eu"}
        )

    def test_the_representative_is_the_flagged_child_contact(self):
        self.assertTrue(self.ana.ncc_is_representative)
        self.assertEqual(self.company.ncc_representative_id, self.ana)
        self.assertEqual(self.company.ncc_representative_email, "ana.garcia@kirchberg-secure.example.eu")
        self.assertEqual(self.company.ncc_representative_function, "Chief Information Security Officer")
        self.assertEqual(self.company.ncc_representative_phone, "+352 20 12 34 99")
        self.ana.ncc_is_representative = False
        self.assertFalse(self.company.ncc_representative_id)

    def test_the_page_follows_an_edit_made_on_the_contact_itself(self):
        self.assertEqual(self.company.ncc_representative_phone, "+352 20 12 34 99")  # in the cache now
        self.ana.write({"phone": "+352 20 12 34 00", "function": "CISO", "name": "Ana María García"})
        self.assertEqual(self.company.ncc_representative_phone, "+352 20 12 34 00")
        self.assertEqual(self.company.ncc_representative_function, "CISO")
        self.assertEqual(self.company.ncc_representative_first_name, "Ana")
        self.assertEqual(self.company.ncc_representative_family_name, "María García")
        self.assertTrue(self.company.ncc_registration_complete)
        self.ana.email = False
        self.assertFalse(self.company.ncc_representative_email)
        self.assertFalse(self.company.ncc_registration_complete, "the stored completeness follows the contact")
        self.env.flush_all()
        self.env.invalidate_all()
        self.assertFalse(self.company.ncc_registration_complete, "and is stored so")

    def test_at_most_one_representative_per_company(self):
        self.assertRejected(self.bob, {"ncc_is_representative": True}, "already has a Community representative")
        self.assertEqual(self.company.ncc_representative_id, self.ana)

    def test_choosing_the_representative_moves_the_flag(self):
        self.company.ncc_representative_id = self.bob
        self.assertTrue(self.bob.ncc_is_representative)
        self.assertFalse(self.ana.ncc_is_representative)
        self.company.ncc_representative_id = False
        self.assertFalse(self.bob.ncc_is_representative)
        self.assertIn("Contact person (a contact", self.company.ncc_missing_items)

    def test_the_representative_is_a_person_of_the_company(self):
        other = self.create_applicant(name="Other Company", representative=False)
        stranger = self.Partner.create({"name": "Eve Stranger", "parent_id": other.id})
        self.assertRejected(self.company, {"ncc_representative_id": stranger.id}, "is a contact of Other Company")
        self.assertRejected(other, {"ncc_is_representative": True}, "cannot be a Community representative")
        loner = self.Partner.create({"name": "Lone Person"})
        self.assertRejected(loner, {"ncc_is_representative": True}, "cannot be a Community representative")
        # A person created from the registration page before the company existed is attached to it.
        other.ncc_representative_id = loner
        self.assertEqual(loner.parent_id, other)
        self.assertTrue(loner.ncc_is_representative)

    def test_archiving_the_representative_leaves_the_company_without(self):
        self.ana.action_archive()
        self.assertFalse(self.company.ncc_representative_id)
        self.company.ncc_representative_id = self.bob
        self.assertRejected(self.ana, {"active": True}, "already has a Community representative")

    def test_first_and_family_name_split_from_the_name(self):
        self.assertEqual((self.ana.ncc_first_name, self.ana.ncc_family_name), ("Ana", "García López"))
        self.company.ncc_representative_id = self.bob
        self.assertEqual((self.bob.ncc_first_name, self.bob.ncc_family_name), ("Bob", "Weber"))
        self.bob.name = "Jan van der Berg"
        self.assertEqual((self.bob.ncc_first_name, self.bob.ncc_family_name), ("Jan", "van der Berg"))

    def test_a_corrected_split_is_kept_and_renames_the_contact(self):
        maria = self.Partner.create({"name": "Maria Luisa Rossi", "parent_id": self.company.id})
        self.company.ncc_representative_id = maria
        self.assertEqual((maria.ncc_first_name, maria.ncc_family_name), ("Maria", "Luisa Rossi"))
        self.company.write({"ncc_representative_first_name": "Maria Luisa", "ncc_representative_family_name": "Rossi"})
        self.assertEqual((maria.ncc_first_name, maria.ncc_family_name), ("Maria Luisa", "Rossi"))
        self.assertEqual(maria.name, "Maria Luisa Rossi")
        maria.write({"ncc_family_name": "Rossi-Bianchi"})
        self.assertEqual(maria.name, "Maria Luisa Rossi-Bianchi")
        self.assertEqual(maria.ncc_first_name, "Maria Luisa")
        maria.write({"email": "mlr@kirchberg-secure.example.eu"})
        self.assertEqual((maria.ncc_first_name, maria.ncc_family_name), ("Maria Luisa", "Rossi-Bianchi"))

    def test_creating_from_first_and_family_name(self):
        person = self.Partner.create(
            {"ncc_first_name": "Piet", "ncc_family_name": "de Vries", "parent_id": self.bob.parent_id.id}
        )
        self.assertEqual(person.name, "Piet de Vries")

    def test_representative_values_are_validated(self):
        self.assertRejected(self.ana, {"email": "ana.garcia"}, "is not a valid email address")
        self.assertRejected(self.company, {"ncc_representative_email": "ana@"}, "is not a valid email address")
        self.assertRejected(self.ana, {"phone": "1" * 51}, "the Atlas accepts at most 50")
        self.assertRejected(self.ana, {"function": "f" * 401}, "the Atlas accepts at most 400")
        self.assertRejected(self.ana, {"ncc_family_name": "g" * 401}, "the Atlas accepts at most 400")
        self.ana.write({"phone": "1" * 50, "function": "f" * 400})
        # Other contacts are not held to the Atlas rules.
        self.bob.write({"email": "bob.weber", "phone": "1" * 60})
        self.assertEqual(self.bob.email, "bob.weber")
        self.assertRejected(self.company, {"ncc_representative_id": self.bob.id}, "is not a valid email address")
        self.assertTrue(self.ana.ncc_is_representative)

    def test_representative_data_written_from_the_registration_page(self):
        self.company.write(
            {
                "ncc_representative_function": "Head of CERT",
                "ncc_representative_email": "cert@kirchberg-secure.example.eu",
                "ncc_representative_phone": "+352 20 12 00 00",
            }
        )
        self.assertEqual(self.ana.function, "Head of CERT")
        self.assertEqual(self.ana.email, "cert@kirchberg-secure.example.eu")
        self.assertEqual(self.ana.phone, "+352 20 12 00 00")
        self.assertTrue(self.company.ncc_registration_complete)
        self.ana.email = False
        self.assertEqual(self.company.ncc_missing_items, "• Contact person: email")

    def test_validation_error_is_raised_as_validation_error(self):
        with self.assertRaises(ValidationError):
            self.ana.write({"email": "not-an-email"})
