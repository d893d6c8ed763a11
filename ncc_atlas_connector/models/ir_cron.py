import time

from odoo import api, fields, models
from odoo.tools import SQL

# The scheduled actions whose last run the Atlas status panel shows: the addon's, and Odoo's daily autovacuum,
# which runs its retention clean-ups (sync log, closed applications, unconfirmed portal submissions).
STATUS_CRONS = (
    "ncc_atlas_connector.ir_cron_ncc_atlas_push",
    "ncc_atlas_connector.ir_cron_ncc_atlas_pull",
    "ncc_atlas_connector.ir_cron_ncc_atlas_vocabularies",
    "ncc_atlas_connector.ir_cron_ncc_atlas_pending_alert",
    "base.autovacuum_job",
)
RUN_STATUSES = [
    ("fully done", "Done"),
    ("partially done", "Partly done, goes on at the next run"),
    ("failed", "Failed"),
]


class IrCron(models.Model):
    """Each run of a scheduled action keeps when it started, how long it took and how it ended: Odoo keeps only
    the last successful call, and the Atlas status panel tells a job that runs from one that fails."""

    _inherit = "ir.cron"

    ncc_last_run_start = fields.Datetime("Last run started", readonly=True)
    ncc_last_run_duration = fields.Float("Last run duration (s)", readonly=True, digits=(16, 2))
    ncc_last_run_status = fields.Selection(RUN_STATUSES, "Last run outcome", readonly=True)

    @classmethod
    def _run_job(cls, job):
        started, clock = fields.Datetime.now(), time.monotonic()
        status = super()._run_job(job)
        job["ncc_run"] = (started, time.monotonic() - clock)
        return status

    @api.model
    def _update_failure_count(self, job, status):
        super()._update_failure_count(job, status)
        started, duration = job.get("ncc_run") or (fields.Datetime.now(), 0.0)  # a timed-out run did not start
        # Written with the cron runner's own update of the job, on its cursor: no ORM write on ir.cron (which
        # would check rights and reschedule).
        self.env.cr.execute(SQL(
            "UPDATE ir_cron SET ncc_last_run_start = %s, ncc_last_run_duration = %s, ncc_last_run_status = %s "
            "WHERE id = %s", started, round(duration, 2), str(status), job["id"],
        ))
        self.browse(job["id"]).invalidate_recordset(["ncc_last_run_start", "ncc_last_run_duration",
                                                     "ncc_last_run_status"])
