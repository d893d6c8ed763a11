"""Shared set-up for the applicant's status page: an applicant created as the back office creates it, its
representative with the portal account the invitation gives, and an HTTP client for the portal."""

import re

from odoo.tests import HttpCase

from .assessment_common import AssessmentCase

URL = "/my/ncc/application"
PASSWORD = "portal-pass-4242"


class PortalCase(AssessmentCase, HttpCase):
    def applicant_with_account(self, email="ana.garcia@kirchberg-secure.example.eu", **overrides):
        """A submitted applicant whose representative (at ``email``) got its portal account (and a password, as
        after the signup link)."""
        applicant = self.new_applicant(**overrides)
        applicant.ncc_representative_id.email = email
        applicant.with_user(self.officer).write({"ncc_assessor_id": self.officer.id})
        applicant.with_user(self.officer).action_ncc_submit()
        user = applicant._ncc_portal_grant_access()
        self.assertEqual(len(user), 1)
        user.sudo().password = PASSWORD
        return applicant, user

    def login(self, user):
        self.authenticate(user.login, PASSWORD)

    def page(self, url=URL, **params):
        return self.url_open(url, params=params or None, allow_redirects=False, timeout=30)

    def csrf(self):
        """The session's CSRF token, as every page of the portal gives it to its scripts."""
        html = self.url_open("/my/home", timeout=30).text
        return re.search(r'csrf_token: "([^"]+)"', html).group(1)

    def post(self, path, data=None, files=None):
        data = dict(data or {}, csrf_token=self.csrf())
        return self.opener.post(self.base_url() + URL + path, data=data, files=files, allow_redirects=False,
                                timeout=30)

    def request_information(self, applicant, text="An extract of the company register, not older than 3 months."):
        applicant.with_user(self.officer).action_ncc_request_information(message=text)
        return text
