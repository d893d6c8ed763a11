from ast import literal_eval

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .registration_common import RegistrationCase

OFFICER = "ncc_atlas_connector.group_ncc_officer"
MANAGER = "ncc_atlas_connector.group_ncc_manager"


@tagged("post_install", "-at_install")
class TestRegistrationAccess(RegistrationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.officer = new_test_user(cls.env, login="ncc_officer", groups=f"base.group_user,{OFFICER}")
        cls.manager = new_test_user(cls.env, login="ncc_manager", groups=f"base.group_user,{MANAGER}")
        cls.plain = new_test_user(cls.env, login="ncc_plain", groups="base.group_user")
        cls.company = cls.create_applicant()
        cls.action = cls.env.ref("ncc_atlas_connector.res_partner_registration_action")

    def _register_as(self, user):
        """Fill in a whole registration as ``user``, the way the Registrations action does."""
        Partner = self.env["res.partner"].with_user(user).with_context(literal_eval(self.action.context))
        vals = self.complete_vals(name=f"Registered by {user.login}")
        del vals["is_company"], vals["ncc_is_applicant"]  # the action's defaults make it a company and an applicant
        company = Partner.create(vals)
        self.assertTrue(company.is_company)
        self.assertTrue(company.ncc_is_applicant)
        # The web client drops the action's default_* keys for sub-records: the contact is created without them.
        Partner.with_context({}).create(
            {
                "name": "Lena Schmidt",
                "parent_id": company.id,
                "email": "lena.schmidt@kirchberg-secure.example.eu",
                "function": "Head of research",
            }
        )
        company.ncc_representative_id = company.child_ids
        company.write({"ncc_representative_phone": "+352 20 00 00 01", "ncc_goals_to_achieve": "Partners."})
        self.assertTrue(company.ncc_registration_complete, company.ncc_missing_items)
        self.assertEqual(company.ncc_representative_id.ncc_family_name, "Schmidt")
        self.assertIn(company, Partner.search(eval(self.action.domain)))  # noqa: S307
        return company

    def test_officer_registers_an_applicant(self):
        company = self._register_as(self.officer)
        self.assertEqual(company.create_uid, self.officer)
        self.assertEqual(company.with_user(self.officer).ncc_country_term_id, self.term("country_lu"))

    def test_manager_registers_an_applicant(self):
        company = self._register_as(self.manager)
        self.assertEqual(company.create_uid, self.manager)

    def test_officer_can_read_the_vocabularies_but_not_change_them(self):
        Term = self.env["ncc.atlas.term"].with_user(self.officer)
        self.assertEqual(Term.search_count([("vocabulary", "=", "fields_of_activity")]), 6)
        with self.assertRaises(AccessError):
            Term.create({"name": "Astrology", "vocabulary": "fields_of_activity"})

    def test_plain_user_does_not_see_registration_data(self):
        Partner = self.env["res.partner"].with_user(self.plain)
        with self.assertRaises(AccessError):
            Partner.browse(self.company.id).read(["ncc_name_national"])
        # An ordinary company stays visible, its registration fields do not exist for this user.
        ordinary = self.Partner.create({"name": "Ordinary Supplier", "is_company": True, "ncc_name_national": "x"})
        self.assertEqual(Partner.browse(ordinary.id).name, "Ordinary Supplier")
        fields = Partner.fields_get()
        hidden = [
            "ncc_name_national",
            "ncc_expertise_description",
            "ncc_missing_items",
            "ncc_registration_complete",
            "ncc_representative_id",
            "ncc_no_exclusion",
            "ncc_field_of_activity_ids",
            "ncc_is_representative",
            "ncc_first_name",
        ]
        for fname in hidden:
            with self.subTest(field=fname):
                self.assertNotIn(fname, fields)
                with self.assertRaises(AccessError):
                    Partner.browse(ordinary.id).read([fname])
        with self.assertRaises(AccessError):
            Partner.search([("ncc_registration_complete", "=", True)])

    def test_plain_user_cannot_change_registration_data(self):
        for record in (self.company, self.Partner.create({"name": "Ordinary Supplier", "is_company": True})):
            with self.subTest(record=record.name), self.assertRaises(AccessError):
                record.with_user(self.plain).write({"ncc_name_national": "Changed by someone else"})
        self.env.invalidate_all()
        self.assertEqual(self.company.ncc_name_national, "Kirchberg Secure Systems S.A.")

    def test_registration_page_only_for_officers(self):
        for user, visible in ((self.plain, False), (self.officer, True), (self.manager, True)):
            with self.subTest(user=user.login):
                arch = self.env["res.partner"].with_user(user).get_views([(False, "form")])["views"]["form"]["arch"]
                self.assertEqual('name="ncc_registration"' in arch, visible)
                self.assertEqual("ncc_expertise_description" in arch, visible)

    def test_registrations_menu_only_for_officers(self):
        menu = self.env.ref("ncc_atlas_connector.menu_ncc_registration")
        Menu = self.env["ir.ui.menu"]
        self.assertNotIn(menu.id, Menu.with_user(self.plain)._visible_menu_ids())
        self.assertIn(menu.id, Menu.with_user(self.officer)._visible_menu_ids())
        self.assertIn(menu.id, Menu.with_user(self.manager)._visible_menu_ids())
        self.assertEqual(menu.action, self.action)
        self.assertEqual(menu.parent_id, self.env.ref("ncc_atlas_connector.menu_ncc_root"))

    def test_list_and_search_views_load_for_officers(self):
        Partner = self.env["res.partner"].with_user(self.officer)
        views = Partner.get_views(
            [(view.view_id.id, view.view_mode) for view in self.action.view_ids]
            + [(self.action.search_view_id.id, "search")]
        )["views"]
        self.assertIn("ncc_field_of_activity_ids", views["list"]["arch"])
        self.assertIn("ncc_registration_complete", views["search"]["arch"])
        incomplete = self.create_applicant(name="Half-done Applicant", ncc_form_completed=False)
        domain = literal_eval(self.action.domain)
        self.assertEqual(
            Partner.search(domain + [("ncc_registration_complete", "=", False)]) & (self.company | incomplete),
            incomplete,
        )
        countries = Partner.search_panel_select_range("country_id", search_domain=domain)["values"]
        self.assertIn("Luxembourg", [c["display_name"] for c in countries])
        activities = Partner.search_panel_select_multi_range("ncc_field_of_activity_ids", search_domain=domain)
        self.assertIn("Industrial or product development", [v["display_name"] for v in activities["values"]])
        groups = Partner.formatted_read_group(domain, ["ncc_field_of_activity_ids"], ["__count"])
        self.assertTrue(groups)
