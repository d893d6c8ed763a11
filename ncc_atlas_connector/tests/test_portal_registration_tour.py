"""The public registration form in a browser: an applicant registers in French, corrects two mistakes, confirms
through the emailed link and lands on the "received" page."""

from odoo.tests import tagged

from .portal_registration_common import PortalRegistrationCase


@tagged("post_install", "-at_install")
class TestPortalRegistrationTour(PortalRegistrationCase):
    def test_an_applicant_registers_in_french_and_confirms(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.start_tour("/fr/ncc/register", "ncc_portal_registration_tour")
        self.env.invalidate_all()
        submission = self.env["ncc.portal.submission"].search([], limit=1)
        self.assertEqual((submission.organisation_name, submission.lang, submission.state),
                         ("Cryptographie Rhénane SAS", "fr_FR", "pending"))
        self.assertFalse(self.companies("B998877"), "nothing in the CRM before the confirmation")

        link, _mail = self.confirmation_link("camille.weber@crypto-rhenane.example.eu")
        self.start_tour(link[link.index("/ncc/register/confirm/"):], "ncc_portal_confirmation_tour")
        company = self.companies("B998877")
        self.assertEqual(len(company), 1)
        self.assertEqual((company.lang, company.ncc_stage_kind), ("fr_FR", "intake"))
        self.assertEqual(company.ncc_representative_id.name, "Camille Weber")
        self.assertEqual(len(company.ncc_thematic_area_ids), 1)
