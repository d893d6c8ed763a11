"""Data moves of the upgrades, kept importable so that tests can run them on crafted rows."""

from odoo import Command, fields
from odoo.tools import SQL

# Before 19.0.1.1.0 an application held one decision in three res.partner columns, which now show the last decision
# record: the pre-migration copies them into this table before the upgrade recomputes anything.
LEGACY_DECISIONS = "ncc_legacy_decision"
NO_REASON = "(No reasons were recorded with this decision.)"


def decisions_into_records(env):
    """Give every application its first assessment round (its checklist and stage history in it), and turn each
    decision the pre-migration kept aside into a decision record: kind, reasons, date, the manager who took it
    (from the chatter's tracking), the checklist as it stands. Runs again without doing anything twice."""
    cr = env.cr
    env.flush_all()
    cr.execute("""
        SELECT p.id, p.ncc_submitted_date, p.create_uid, p.create_date,
               (SELECT min(h.date_in) FROM ncc_stage_history h WHERE h.partner_id = p.id)
          FROM res_partner p
         WHERE p.ncc_round_id IS NULL
           AND (p.ncc_stage_id IS NOT NULL
                OR EXISTS (SELECT 1 FROM ncc_assessment_check c WHERE c.partner_id = p.id)
                OR EXISTS (SELECT 1 FROM ncc_stage_history h WHERE h.partner_id = p.id))
           AND NOT EXISTS (SELECT 1 FROM ncc_assessment_round r WHERE r.partner_id = p.id)
    """)
    rows = cr.fetchall()
    rounds = env["ncc.assessment.round"].sudo().create([{
        "partner_id": partner_id,
        "number": 1,
        "is_current": True,
        "date_start": submitted or first_stay or created,
        "submitted_date": submitted,
        "started_by_id": create_uid,
    } for partner_id, submitted, create_uid, created, first_stay in rows])
    env.flush_all()
    cr.execute("""
        UPDATE res_partner p SET ncc_round_id = r.id
          FROM ncc_assessment_round r
         WHERE r.partner_id = p.id AND r.is_current AND p.ncc_round_id IS NULL
    """)
    for table in ("ncc_assessment_check", "ncc_stage_history"):
        cr.execute(f"""
            UPDATE {table} t SET round_id = p.ncc_round_id
              FROM res_partner p
             WHERE t.partner_id = p.id AND t.round_id IS NULL AND p.ncc_round_id IS NOT NULL
        """)
    env.invalidate_all()

    cr.execute("SELECT to_regclass(%s)", [LEGACY_DECISIONS])
    if not cr.fetchone()[0]:
        return rounds, env["ncc.decision"]
    cr.execute(f"""
        SELECT l.partner_id, l.kind, l.reason, l.date, p.ncc_stage_id, p.write_date,
               (SELECT m.create_uid
                  FROM mail_tracking_value v
                  JOIN mail_message m ON m.id = v.mail_message_id
                  JOIN ir_model_fields f ON f.id = v.field_id
                 WHERE f.model = 'res.partner' AND f.name = 'ncc_decision'
                   AND m.model = 'res.partner' AND m.res_id = l.partner_id
                 ORDER BY m.id DESC LIMIT 1)
          FROM {LEGACY_DECISIONS} l
          JOIN res_partner p ON p.id = l.partner_id
         WHERE p.ncc_round_id IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM ncc_decision d WHERE d.partner_id = l.partner_id)
    """)
    Partner = env["res.partner"].sudo()
    values = []
    for partner_id, kind, reason, date, stage_id, write_date, user_id in cr.fetchall():
        partner = Partner.browse(partner_id)
        values.append({
            "partner_id": partner_id,
            "round_id": partner.ncc_round_id.id,
            "kind": kind,
            "date": date or write_date or fields.Datetime.now(),
            "user_id": user_id,
            "origin": "migration",
            "reason": reason or (NO_REASON if kind != "approved" else False),
            "stage_id": stage_id,
            "check_ids": [Command.create(line._ncc_snapshot()) for line in partner.ncc_check_ids],
        })
    decisions = env["ncc.decision"].sudo().create(values)
    env.flush_all()
    return rounds, decisions


def drop_legacy_decisions(cr):
    cr.execute(f"DROP TABLE IF EXISTS {LEGACY_DECISIONS}")


# Until 19.0.1.2.0 the intake checklist's point 18 read as the re-validation itself, which the re-validation flow
# does on members with a checklist of its own; it now says what an officer checks at intake.
REVALIDATION_CHECK = "ncc_atlas_connector.check_revalidation"
REVALIDATION_CHECK_OLD_NAME = "Periodic re-validation"
REVALIDATION_CHECK_OLD_GUIDANCE = ('After registration: re-validate periodically; revoke (Atlas state "to be '
                                   'rejected") when the criteria lapse.')
REVALIDATION_CHECK_NAME = "Applicant told of the periodic re-validation"
REVALIDATION_CHECK_GUIDANCE = (
    "At intake: the applicant knows that a registration is not limited in time but is re-validated every few years "
    "and may be revoked when the criteria lapse. The re-validation itself is done on the member, when it falls "
    "due, with its own checklist."
)


def reword_revalidation_check(env):
    """Give the shipped point 18 its intake wording, in the template and in the open checklists' lines, unless a
    manager has reworded it. Decisions keep their copy as it stood. Runs again without doing anything twice."""
    template = env.ref(REVALIDATION_CHECK, raise_if_not_found=False)
    if not template or template.with_context(lang="en_US").name != REVALIDATION_CHECK_OLD_NAME:
        return 0
    vals = {"name": REVALIDATION_CHECK_NAME}
    if template.with_context(lang="en_US").guidance == REVALIDATION_CHECK_OLD_GUIDANCE:
        vals["guidance"] = REVALIDATION_CHECK_GUIDANCE
    if not template.stage_id:
        stage = env.ref("ncc_atlas_connector.stage_completeness", raise_if_not_found=False)
        vals["stage_id"] = stage.id if stage else False
    template.with_context(lang="en_US").write(vals)
    lines = env["ncc.assessment.check"].sudo().search([
        ("template_id", "=", template.id), ("round_id.is_current", "=", True),
        ("name", "=", REVALIDATION_CHECK_OLD_NAME),
    ])
    lines.write({"name": REVALIDATION_CHECK_NAME})
    return len(lines)
# Since 19.0.1.2.0 the pipeline's stages outside the officers' work are folded in the kanban, so that its open
# columns fit the screen. Stage data is not updated on upgrade (managers may edit it): the seeded stages of the
# ECCC's side are folded once here (a manager unfolds them in the stage's form); the rejected stage always was.
FOLDED_STAGES = ("stage_approved", "stage_eccc_review", "stage_member")


def fold_eccc_stages(env):
    stages = env["ncc.assessment.stage"]
    for xmlid in FOLDED_STAGES:
        stages |= env.ref(f"ncc_atlas_connector.{xmlid}", raise_if_not_found=False) or stages
    stages.write({"fold": True})
    return stages
def unsubmitted_into_draft(env):
    """Before 19.0.1.2.0 a new application entered the first intake stage ("Submitted") before anyone submitted
    it. Those never submitted (no submission date, not taken from the Atlas) move into the new draft stage, with
    the move in their stage history; Submit moves them on. Runs again without doing anything twice."""
    draft = env["ncc.assessment.stage"]._first_of_kind("draft")
    if not draft:
        return
    waiting = env["res.partner"].search([
        ("ncc_is_applicant", "=", True), ("ncc_stage_kind", "=", "intake"), ("ncc_submitted_date", "=", False),
        ("ncc_atlas_uuid", "=", False),
    ])
    waiting.write({"ncc_stage_id": draft.id})


STAGE_SHORT_NAMES = {
    "stage_draft": "Draft", "stage_submitted": "Submitted", "stage_completeness": "Completeness",
    "stage_eligibility": "Eligibility", "stage_ownership": "Ownership", "stage_expertise": "Expertise",
    "stage_approved": "Approved", "stage_eccc_review": "ECCC review", "stage_member": "Member",
    "stage_revision": "Revision", "stage_rejected": "Rejected",
}


def stage_short_names(env):
    """The statusbar's short labels of 19.0.1.2.0 for the stages the addon installed (their data is not updated on
    an upgrade): set where a stage has none yet, so that a manager's own label stays."""
    for xmlid, short in STAGE_SHORT_NAMES.items():
        stage = env.ref(f"ncc_atlas_connector.{xmlid}", raise_if_not_found=False)
        if stage and not stage.short_name:
            stage.short_name = short
def sync_errors_as_sentences(cr):
    """19.0.1.2.0 shows the last sync error and the missing items in the reader's language: the sync error is
    stored as a sentence (``ncc_sync_problem``), the text of before kept as it is; both old columns go."""
    cr.execute("""
        SELECT 1 FROM information_schema.columns
         WHERE table_name = 'res_partner' AND column_name = 'ncc_sync_error'
    """)
    if cr.fetchone():
        cr.execute("""
            UPDATE res_partner
               SET ncc_sync_problem = jsonb_build_object('text', ncc_sync_error, 'params', '{}'::jsonb)
             WHERE coalesce(ncc_sync_error, '') != '' AND ncc_sync_problem IS NULL
        """)
        cr.execute("ALTER TABLE res_partner DROP COLUMN ncc_sync_error")
    cr.execute("ALTER TABLE res_partner DROP COLUMN IF EXISTS ncc_missing_items")


# Until 19.0.1.2.0 the sync log was cut by a job of its own; it is now one of Odoo's daily autovacuum clean-ups,
# like the addon's other retention jobs. The job's record was not updatable data: it goes here.
def retire_sync_log_cleanup_job(env):
    job = env.ref("ncc_atlas_connector.ir_cron_ncc_atlas_log_cleanup", raise_if_not_found=False)
    if job:
        job.unlink()
    return bool(job)


# Before 19.0.1.3.0 these indexes of res_partner held every contact; Odoo keeps an index it finds under a field's
# name as it is, so they are dropped for the upgrade to create them anew, without the ordinary contacts.
FULL_CONTACT_INDEXES = (
    "res_partner__ncc_stage_id_index",
    "res_partner__ncc_assessor_id_index",
    "res_partner__ncc_is_applicant_index",
    "res_partner__ncc_revalidation_base_date_index",
    "res_partner__ncc_sync_state_index",
    "res_partner__ncc_atlas_uuid_index",  # the partial unique index serves its searches now
)


def partial_contact_indexes(cr):
    """Drop the full indexes and the unique constraint on the Atlas UUID: the upgrade creates their partial
    replacements (the unique one under the constraint's name)."""
    for name in FULL_CONTACT_INDEXES:
        cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(name)))
    cr.execute(SQL("ALTER TABLE res_partner DROP CONSTRAINT IF EXISTS res_partner_ncc_atlas_uuid_unique"))
