"""The addon's models that hold an applicant's personal data, registered for data-subject requests (export and
erasure, see `ncc_privacy_mixin.py`)."""

from odoo import api, models


class NccAssessmentCheck(models.Model):
    _name = "ncc.assessment.check"
    _inherit = ["ncc.assessment.check", "ncc.privacy.mixin"]
    _ncc_privacy_section = "checklist"


class NccStageHistory(models.Model):
    _name = "ncc.stage.history"
    _inherit = ["ncc.stage.history", "ncc.privacy.mixin"]
    _ncc_privacy_section = "stage_history"


class NccAtlasSyncLog(models.Model):
    _name = "ncc.atlas.sync.log"
    _inherit = ["ncc.atlas.sync.log", "ncc.privacy.mixin"]
    _ncc_privacy_section = "sync_log"


class NccAtlasImportLine(models.Model):
    _name = "ncc.atlas.import.line"
    _inherit = ["ncc.atlas.import.line", "ncc.privacy.mixin"]
    _ncc_privacy_section = "atlas_import_lines"

    @api.model
    def _ncc_privacy_domain(self, company):
        return ["|", "|", ("partner_id", "=", company.id), ("linked_partner_id", "=", company.id),
                ("result_partner_id", "=", company.id)]


class NccDecision(models.Model):
    _name = "ncc.decision"
    _inherit = ["ncc.decision", "ncc.privacy.mixin"]
    _ncc_privacy_section = "decisions"


class NccDecisionCheck(models.Model):
    _name = "ncc.decision.check"
    _inherit = ["ncc.decision.check", "ncc.privacy.mixin"]
    _ncc_privacy_section = "decision_checklists"

    @api.model
    def _ncc_privacy_domain(self, company):
        return [("decision_id.partner_id", "=", company.id)]
