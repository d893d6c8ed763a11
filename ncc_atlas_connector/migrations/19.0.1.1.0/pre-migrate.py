def migrate(cr, version):
    """Copy the decisions held on res.partner aside (post-migrate turns them into records): their columns now
    show the last decision record, and may be recomputed before post-migrate runs."""
    if not version:
        return
    cr.execute("""
        CREATE TABLE IF NOT EXISTS ncc_legacy_decision AS
        SELECT id AS partner_id, ncc_decision AS kind, ncc_decision_reason AS reason, ncc_decision_date AS date
          FROM res_partner
         WHERE ncc_decision IS NOT NULL
    """)
