"""Shared set-up of the public registration form's tests: a valid answer sheet and a browser-like poster."""

import re

from odoo.tests import HttpCase

TERM = "ncc_atlas_connector.term_"
PARAM = "ncc_atlas_connector."
LINK_RE = re.compile(r'href="([^"]*/ncc/register/confirm/[^"]+)"')
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


class PortalRegistrationCase(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param(PARAM + "portal_enabled", "True")
        params.set_param(PARAM + "portal_rate_limit", 1000)
        cls._registry_seq = 0

    @classmethod
    def term(cls, xmlid):
        return cls.env.ref(TERM + xmlid)

    def answers(self, **overrides):
        """A complete application in Luxembourg, as the form posts it (strings; lists for ticked terms)."""
        type(self)._registry_seq += 1
        answers = {
            "name": "Kirchberg Secure Systems S.A.",
            "ncc_name_national": "Kirchberg Secure Systems S.A.",
            "country_id": str(self.env.ref("base.lu").id),
            "street": "12 rue de l'Innovation",
            "zip": "1855",
            "city": "Luxembourg",
            "company_registry": f"B{self._registry_seq:06d}",
            "website": "https://www.kirchberg-secure.example.eu",
            "phone": "+352 20 12 34 56",
            "email": "info@kirchberg-secure.example.eu",
            "ncc_cluster_type_id": str(self.term("cluster_type_industry_sme").id),
            "ncc_size_class": "small",
            "ncc_is_headquarters": "1",
            "ncc_has_subsidiaries": "0",
            "ncc_has_majority_outside": "0",
            "contact_ncc_first_name": "Ana",
            "contact_ncc_family_name": "García López",
            "contact_function": "Chief Information Security Officer",
            "contact_email": "ana.garcia@kirchberg-secure.example.eu",
            "contact_phone": "+352 20 12 34 99",
            "ncc_field_of_activity_ids": [str(self.term("fields_of_activity_industrial_or_product_development").id)],
            "ncc_expertise_description": "Hardware security modules and post-quantum key management.",
            "ncc_thematic_area_ids": [str(self.term("cluster_thematic_area_post_quantum_cryptography").id)],
            "ncc_goals_to_achieve": "Partners for research projects.",
            "ncc_goals_to_contribute": "Working group on cryptography migration.",
            "ncc_no_exclusion": "1",
            "ncc_data_sharing_consent": "1",
            "ncc_privacy_notice_accepted": "1",
            "ncc_member_tasks_accepted": "1",
            "ncc_form_completed": "1",
            "ncc_lang": "en_US",
        }
        answers.update(overrides)
        return {key: value for key, value in answers.items() if value is not None}

    def csrf_token(self, url="/ncc/register"):
        page = self.url_open(url)
        self.assertEqual(page.status_code, 200)
        return CSRF_RE.search(page.text).group(1)

    def post_form(self, answers, files=None, headers=None):
        """POST the answers as the browser does, with the CSRF token of the form page."""
        data = {**answers, "csrf_token": self.csrf_token()}
        return self.url_open("/ncc/register", data=data, files=files, headers=headers)

    def counts(self):
        """What a refused submission must not change."""
        self.env.invalidate_all()
        Partner = self.env["res.partner"].with_context(active_test=False)
        return (
            Partner.search_count([]),
            self.env["ncc.portal.submission"].search_count([]),
            # Emails to an address typed in the form (the NCC's own notifications go to its users).
            self.env["mail.mail"].search_count([("email_to", "!=", False)]),
        )

    def companies(self, registry):
        """The companies of the CRM with this registration number (their contacts share it)."""
        self.env.invalidate_all()
        return self.env["res.partner"].search([("company_registry", "=", registry), ("is_company", "=", True)])

    def confirmation_link(self, email):
        """The link of the newest confirmation email to ``email``, read from the outgoing mail queue."""
        self.env.invalidate_all()
        mail = self.env["mail.mail"].search([("email_to", "=", email)], order="id desc", limit=1)
        self.assertTrue(mail, f"a confirmation email went to {email}")
        return LINK_RE.search(mail.body_html).group(1), mail

    def confirm(self, link):
        """Open the emailed link and press its confirm button."""
        path = link[link.index("/ncc/register/confirm/"):]
        return self.url_open(path, data={"csrf_token": self.csrf_token()})
