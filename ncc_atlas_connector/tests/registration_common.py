"""Shared set-up for tests that need Community applicants: a complete one is one call away."""

from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase

TERM = "ncc_atlas_connector.term_"


class RegistrationCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Partner = cls.env["res.partner"].with_context(tracking_disable=True)
        cls._registry_seq = 0

    @classmethod
    def term(cls, xmlid):
        return cls.env.ref(TERM + xmlid)

    @classmethod
    def next_registry(cls):
        cls._registry_seq += 1
        return f"B{cls._registry_seq:06d}"

    @classmethod
    def complete_vals(cls, **overrides):
        """Values of a complete registration in Luxembourg (no national number format is checked there)."""
        vals = {
            "name": "Kirchberg Secure Systems S.A.",
            "is_company": True,
            "ncc_is_applicant": True,
            "ncc_name_national": "Kirchberg Secure Systems S.A.",
            "street": "12 rue de l'Innovation",
            "city": "Luxembourg",
            "zip": "1855",
            "country_id": cls.env.ref("base.lu").id,
            "website": "https://www.kirchberg-secure.example.eu",
            "email": "info@kirchberg-secure.example.eu",
            "phone": "+352 20 12 34 56",
            "company_registry": cls.next_registry(),
            "ncc_cluster_type_id": cls.term("cluster_type_industry_sme").id,
            "ncc_size_class": "small",
            "ncc_field_of_activity_ids": [
                (6, 0, [cls.term("fields_of_activity_industrial_or_product_development").id])
            ],
            "ncc_thematic_area_ids": [(6, 0, [cls.term("cluster_thematic_area_post_quantum_cryptography").id])],
            "ncc_expertise_description": "Hardware security modules and post-quantum key management.",
            "ncc_goals_to_achieve": "Partners for research projects.",
            "ncc_goals_to_contribute": "Working group on cryptography migration.",
            "ncc_no_exclusion": True,
            "ncc_data_sharing_consent": True,
            "ncc_privacy_notice_accepted": True,
            "ncc_member_tasks_accepted": True,
            "ncc_form_completed": True,
        }
        vals.update(overrides)
        return vals

    @classmethod
    def create_applicant(cls, representative=True, **overrides):
        """A complete applicant (unless ``overrides`` take something away) with its contact person."""
        company = cls.Partner.create(cls.complete_vals(**overrides))
        if representative:
            cls.Partner.create(
                {
                    "name": "Ana García López",
                    "parent_id": company.id,
                    "type": "contact",
                    "function": "Chief Information Security Officer",
                    "email": "ana.garcia@kirchberg-secure.example.eu",
                    "phone": "+352 20 12 34 99",
                    "ncc_is_representative": True,
                }
            )
        return company

    def assertRejected(self, record, vals, message=None):
        """``record.write(vals)`` raises a ValidationError (containing ``message``) and leaves it unchanged."""
        fnames = [f for f in vals if f in record._fields]
        before = record.read(fnames)
        with self.assertRaises(ValidationError) as caught:
            record.write(vals)
        if message:
            self.assertIn(message, str(caught.exception))
        self.env.invalidate_all()
        self.assertEqual(record.read(fnames), before, "nothing is saved when the validation fails")
        return caught.exception

    def assertCreateRejected(self, vals, message=None):
        """``create(vals)`` raises a ValidationError and creates nothing."""
        domain = [("name", "=", vals["name"])]
        count = self.Partner.with_context(active_test=False).search_count(domain)
        with self.assertRaises(ValidationError) as caught:
            self.Partner.create(vals)
        if message:
            self.assertIn(message, str(caught.exception))
        self.env.invalidate_all()
        self.assertEqual(self.Partner.with_context(active_test=False).search_count(domain), count)
        return caught.exception
