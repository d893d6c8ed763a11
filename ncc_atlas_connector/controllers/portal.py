"""The applicant's status page on the portal: ``/my/ncc/application``, the application the logged-in user
represents, and the forms it posts. No route takes an application's id: each finds the user's own application,
so nobody reaches another's, by id, token or search."""

from odoo import http
from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.exceptions import UserError
from odoo.http import request

from ..models.res_partner_portal import ANSWER_MAX_FILE_BYTES, ANSWER_MAX_FILES, PORTAL_CORRECTABLE_FIELDS

URL = "/my/ncc/application"


class NccApplicationPortal(CustomerPortal):
    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "ncc_application_count" in counters:
            values["ncc_application_count"] = len(self._ncc_application())
        return values

    def _ncc_application(self):
        return request.env["res.partner"]._ncc_portal_application(request.env.user)

    def _ncc_render(self, application, **extra):
        values = self._prepare_portal_layout_values()
        values.update(application._ncc_portal_values())
        values.update({"page_name": "ncc_application", "errors": {}, "error": False, "notice": False, "typed": {},
                       **extra})
        return request.render("ncc_atlas_connector.portal_my_ncc_application", values)

    def _ncc_done(self, notice):
        return request.redirect(f"{URL}?notice={notice}")

    @http.route(URL, type="http", auth="user", methods=["GET"], website=True)
    def portal_my_ncc_application(self, notice=None, **kw):
        application = self._ncc_application()
        if not application:
            raise request.not_found()
        notices = {
            "answered": request.env._("Your answer was sent to your National Coordination Centre."),
            "corrected": request.env._("Your corrections are saved."),
            "resubmitted": request.env._("Your application is resubmitted: the assessment continues."),
            "withdrawn": request.env._("Your application is withdrawn."),
        }
        return self._ncc_render(application, notice=notices.get(notice, False))

    @http.route(f"{URL}/answer", type="http", auth="user", methods=["POST"], website=True)
    def portal_ncc_answer(self, body="", **kw):
        application = self._ncc_application()
        if not application:
            raise request.not_found()
        uploads = request.httprequest.files.getlist("attachments")
        files = []
        try:
            if len([upload for upload in uploads if upload.filename]) > ANSWER_MAX_FILES:
                raise UserError(request.env._("Attach at most %(limit)s files to one answer.",
                                              limit=ANSWER_MAX_FILES))
            # read one byte more than allowed: enough to refuse a file too big without reading all of it
            files = [(upload.filename, upload.read(ANSWER_MAX_FILE_BYTES + 1)) for upload in uploads if upload.filename]
            application._ncc_portal_answer(request.env.user, body, files)
        except UserError as exc:
            return self._ncc_render(application, error=exc.args[0], typed={"body": body})
        return self._ncc_done("answered")

    @http.route(f"{URL}/correct", type="http", auth="user", methods=["POST"], website=True)
    def portal_ncc_correct(self, **post):
        application = self._ncc_application()
        if not application:
            raise request.not_found()
        values = {name: post[name] for name in PORTAL_CORRECTABLE_FIELDS if name in post}
        try:
            errors = application._ncc_portal_correct(request.env.user, values)
        except UserError as exc:
            return self._ncc_render(application, error=exc.args[0])
        if errors:
            return self._ncc_render(application, errors=errors, typed=values, error=request.env._(
                "Nothing was saved: please correct what is marked below."))
        return self._ncc_done("corrected")

    @http.route(f"{URL}/resubmit", type="http", auth="user", methods=["POST"], website=True)
    def portal_ncc_resubmit(self, **kw):
        application = self._ncc_application()
        if not application:
            raise request.not_found()
        try:
            application._ncc_portal_resubmit(request.env.user)
        except UserError as exc:
            return self._ncc_render(application, error=exc.args[0])
        return self._ncc_done("resubmitted")

    @http.route(f"{URL}/withdraw", type="http", auth="user", methods=["POST"], website=True)
    def portal_ncc_withdraw(self, reason="", **kw):
        application = self._ncc_application()
        if not application:
            raise request.not_found()
        try:
            application._ncc_portal_withdraw(request.env.user, reason)
        except UserError as exc:
            return self._ncc_render(application, error=exc.args[0], typed={"reason": reason})
        return self._ncc_done("withdrawn")
