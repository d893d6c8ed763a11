"""Portal submissions in data-subject requests: Odoo's privacy lookup finds a submission by its contact person's
email or name, waiting for confirmation or confirmed; the applicant's export holds its submission, and the erasure
takes the person out of it and closes the person's portal account."""

from odoo.tests import tagged

from .portal_registration_common import PortalRegistrationCase
from .test_privacy import PrivacyCase

NAME = "Ana García López"
EMAIL = "ana.garcia@kirchberg-secure.example.eu"


@tagged("post_install", "-at_install")
class TestPortalSubmissionPrivacy(PrivacyCase, PortalRegistrationCase):
    def submitted(self, **overrides):
        """A submission posted on the public form, waiting for its confirmation."""
        response = self.post_form(self.answers(**overrides))
        self.assertEqual(response.status_code, 200)
        submission = self.env["ncc.portal.submission"].search([], limit=1)
        self.assertEqual(submission.state, "pending")
        return submission

    def lookup(self, name, email):
        wizard = self.env["privacy.lookup.wizard"].create({"name": name, "email": email})
        wizard.action_lookup()
        return {(line.res_model, line.res_id) for line in wizard.line_ids}

    def test_lookup_finds_a_pending_submission_by_email_or_by_name(self):
        submission = self.submitted()
        found = ("ncc.portal.submission", submission.id)
        self.assertIn(found, self.lookup("Somebody Else", EMAIL), "by the contact person's email")
        self.assertIn(found, self.lookup(NAME, "nobody@elsewhere.example.eu"),
                      "by the contact person's full name, which the answers keep as first and family names")
        self.assertIn(found, self.lookup("garcía lópez", "nobody@elsewhere.example.eu"), "any case, part of it")
        self.assertNotIn(found, self.lookup("Otto Other", "otto@elsewhere.example.eu"))
        self.assertEqual(len(self.lookup(NAME, EMAIL)), len({*self.lookup(NAME, EMAIL)}), "each record once")

    def test_a_confirmed_submission_is_found_exported_and_erased(self):
        submission = self.submitted()
        link, _mail = self.confirmation_link(EMAIL)
        self.confirm(link)
        self.env.invalidate_all()
        self.assertEqual(submission.state, "confirmed")
        self.assertFalse(submission.values, "the typed answers are cleared once in the CRM")
        company = submission.partner_id
        self.assertTrue(company.ncc_is_applicant)
        user = company.ncc_representative_id.user_ids
        self.assertEqual(user.login, EMAIL, "the status page's portal account, given at the confirmation")
        self.assertIn(("ncc.portal.submission", submission.id), self.lookup(NAME, EMAIL))

        export = company.with_user(self.manager)._ncc_privacy_export()
        records = export["sections"]["portal_submissions"]["records"]
        self.assertEqual([record["email"] for record in records], [EMAIL])
        self.assertFalse({"token_hash", "address_hash", "confirmation_key"} & set(records[0]),
                         "the link's and the rate limit's hashes are not the applicant's data")

        company.with_user(self.manager).action_ncc_privacy_erase()
        self.env.invalidate_all()
        self.assertNotIn(EMAIL, submission.email)
        user = user.with_context(active_test=False)
        self.assertFalse(user.active, "the portal account is closed with the person (it blocked the archiving)")
        self.assertNotIn(EMAIL, user.login)
        self.env.flush_all()
        self.env.cr.execute("SELECT count(*) FROM ncc_portal_submission WHERE CAST(email AS text) ILIKE %s "
                            "OR CAST(\"values\" AS text) ILIKE %s", [f"%{EMAIL}%", f"%{EMAIL}%"])
        self.assertEqual(self.env.cr.fetchone()[0], 0, "the person is nowhere in the submissions")
