"""The national portal's whole loop in a browser, as one story: an applicant registers in French (two mistakes
corrected on the way), confirms through the emailed link and is "received"; its representative sets up the portal
account from the invitation's signup link; the officer requests information, the applicant answers, corrects its
city and resubmits; the officer hands it over, the manager approves; the push cron sends it to the sandbox Atlas,
the ECCC reviewer publishes it, the pull cron reads it back, and the applicant's page says member."""

import re

import requests

from odoo.tests import tagged

from .atlas_common import REVIEWER_KEY, AtlasCase
from .portal_common import URL, PortalCase
from .portal_registration_common import PortalRegistrationCase

EMAIL = "camille.weber@crypto-rhenane.example.eu"
SIGNUP_RE = re.compile(r'href="[^"]*(/web/(?:signup|reset_password)\?[^"]+)"')
SECURITY_CHECK = "ncc_atlas_connector.check_security_assessment"
CLUSTERS = "/jsonapi/node/cluster"


@tagged("post_install", "-at_install")
class TestPortalJourneyTour(PortalCase, AtlasCase, PortalRegistrationCase):
    browser_size = "1440x900"

    def invitation_link(self, person):
        """The signup link of the portal invitation to ``person``, read from the outgoing mail queue."""
        self.env.invalidate_all()
        mails = self.env["mail.mail"].search([("recipient_ids", "in", person.ids)], order="id desc")
        links = [SIGNUP_RE.search(mail.body_html or "") for mail in mails]
        links = [link.group(1).replace("&amp;", "&") for link in links if link]
        self.assertTrue(links, f"an invitation with a signup link went to {person.email}")
        return links[0]

    def test_register_confirm_answer_approve_publish_member(self):
        self.env["res.lang"]._activate_lang("fr_FR")

        # The applicant registers in French, corrects its two mistakes, confirms by the emailed link.
        self.start_tour("/fr/ncc/register", "ncc_portal_registration_tour")
        self.assertFalse(self.companies("B998877"), "nothing in the CRM before the confirmation")
        link, _mail = self.confirmation_link(EMAIL)
        self.start_tour(link[link.index("/ncc/register/confirm/"):], "ncc_portal_confirmation_tour")
        company = self.companies("B998877")
        self.assertEqual(len(company), 1)
        self.assertEqual((company.lang, company.ncc_stage_kind, company.ncc_portal_status),
                         ("fr_FR", "intake", "received"))
        person = company.ncc_representative_id
        user = person.user_ids
        self.assertEqual((len(user), user.login, user.share), (1, EMAIL, True), "a portal account at confirmation")

        # Its representative sets up the account from the invitation (the password it chooses: its login, which
        # the tours log in with).
        self.start_tour(self.invitation_link(person), "ncc_portal_signup_tour")
        self.authenticate(user.login, user.login)
        self.assertIn('data-status="received"', self.url_open(URL, timeout=30).text)

        # The officer takes it up and requests information in the back office.
        company.with_user(self.officer).write({"ncc_assessor_id": self.officer.id})
        company.with_user(self.officer).action_ncc_next_stage()
        self.start_tour(f"/odoo/contacts/{company.id}", "ncc_portal_journey_request_tour", login=self.officer.login)
        self.env.invalidate_all()
        self.assertTrue(company.ncc_information_open)
        self.assertEqual(company.ncc_portal_status, "information")

        # The applicant answers on its status page, corrects its city and resubmits.
        self.start_tour(URL, "ncc_portal_journey_answer_tour", login=user.login)
        self.env.invalidate_all()
        self.assertFalse(company.ncc_information_open)
        self.assertEqual((company.city, company.ncc_portal_status), ("Esch-sur-Alzette", "assessed"))
        self.assertTrue(company.message_ids.filtered(
            lambda message: message.author_id == person and "semaine dernière" in (message.body or "")))
        self.assertTrue(company.activity_ids.filtered(lambda activity: activity.user_id == self.officer))

        # The officer records the checks (no national security assessment is relevant: not applicable), hands it
        # over from the last assessment stage; the manager approves.
        security = self.env.ref(SECURITY_CHECK)
        checks = company.ncc_check_ids.with_user(self.officer)
        checks.filtered(lambda line: line.template_id != security).write({"result": "pass"})
        checks.filtered(lambda line: line.template_id == security).write({"result": "na"})
        company.with_user(self.officer).write({"ncc_stage_id": self.stages["expertise"].id})
        company.with_user(self.officer).action_ncc_ready_for_decision()
        company.with_user(self.manager).action_ncc_approve()
        self.assertEqual((company.ncc_stage_kind, company.ncc_portal_status), ("approved", "decided"))

        # The push cron sends it to the sandbox Atlas: one create.
        self.assertEqual(self.sandbox.count(), 0)
        self.push()
        self.assertEqual(company.ncc_sync_state, "synced", company.ncc_sync_error)
        self.assertEqual(self.sandbox.count("POST", CLUSTERS), 1, "one registration created")
        self.assertEqual(self.sandbox.count(), 2, "the look-up by registration number, then the create")
        sent = self.sandbox.requests("POST", CLUSTERS)[0]["body"]["data"]["attributes"]
        self.assertEqual((sent["field_address"]["locality"], sent["field_e_mail"]), ("Esch-sur-Alzette", EMAIL),
                         "the applicant's corrections and confirmed address are what the Atlas gets")
        self.assertEqual(self.remote(company)["moderation_state"], "ready_for_publication")
        self.assertEqual(company.ncc_portal_status, "eccc")

        # The ECCC reviewer publishes it (the sandbox's reviewer action); the pull cron reads it back.
        root = self.sandbox.url.removesuffix("/jsonapi")
        published = requests.post(f"{root}/_sandbox/clusters/{company.ncc_atlas_uuid}/publish",
                                  headers={"x-reviewer-key": REVIEWER_KEY}, timeout=10)
        self.assertEqual(published.status_code, 200, published.text)
        self.assertEqual(self.remote(company)["moderation_state"], "published")
        before = self.sandbox.count()
        self.pull()
        self.assertEqual(self.sandbox.count() - before, 1, "one read of the changed registrations")
        self.assertEqual((company.ncc_stage_kind, company.ncc_portal_status), ("member", "member"))

        # The applicant's page says member.
        self.start_tour(URL, "ncc_portal_member_tour", login=user.login)
