import json

from odoo import http
from odoo.exceptions import AccessError, UserError
from odoo.http import request


class PrivacyExportController(http.Controller):
    @http.route("/ncc_atlas_connector/privacy_export/<int:partner_id>", type="http", auth="user", methods=["GET"])
    def privacy_export(self, partner_id):
        """Everything the addon holds on an applicant, as a JSON download (managers only, checked by the export)."""
        company = request.env["res.partner"].browse(partner_id).exists()
        if not company:
            return request.not_found()
        try:
            export = company._ncc_privacy_export()
        except (AccessError, UserError) as exc:
            return request.make_response(str(exc), [("Content-Type", "text/plain; charset=utf-8")], status=403)
        body = json.dumps(export, ensure_ascii=False, indent=2, default=str)
        filename = f"personal-data-{company.id}.json"
        return request.make_response(body, [
            ("Content-Type", "application/json; charset=utf-8"),
            ("Content-Disposition", http.content_disposition(filename)),
        ])
