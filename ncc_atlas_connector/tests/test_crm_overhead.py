"""What the addon costs the rest of the CRM: an ordinary contact (no applicant, no contact person of one) is created,
written and read without the addon's columns being read and without the addon's tables being queried. Counted on the
SQL the cursor runs, never timed."""

import re
from unittest.mock import patch

from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

NCC_COLUMN = re.compile(r'"res_partner"\."ncc_\w+"')
# A contact's role: whether it is an applicant, or the contact person of one (its flag: only a contact person's
# edit tells the company whose registration page shows it).
ROLE_COLUMNS = {'"res_partner"."ncc_is_applicant"', '"res_partner"."ncc_is_representative"'}
NCC_TABLE = re.compile(r'\b(FROM|JOIN|INTO|UPDATE)\s+"?ncc_\w+', re.IGNORECASE)


@tagged("post_install", "-at_install")
class TestCrmOverhead(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Partner = cls.env["res.partner"].with_context(tracking_disable=False)
        cls.country = cls.env.ref("base.be")

    def queries(self, action):
        """The SQL text of the queries ``action`` runs, its pending writes flushed."""
        cr = self.env.cr
        self.env.flush_all()
        with patch.object(cr, "execute", wraps=cr.execute) as execute:
            action()
            self.env.flush_all()
        return [str(getattr(call.args[0], "code", call.args[0])) for call in execute.call_args_list]

    def ordinary(self, count=3):
        return self.Partner.create([{
            "name": f"Ordinary {i}", "email": f"o{i}@example.org", "phone": "+32 2 000 00 00",
            "city": "Bruxelles", "country_id": self.country.id, "function": "Buyer",
        } for i in range(count)])

    def test_reading_ordinary_fields_reads_no_addon_column(self):
        contacts = self.ordinary()
        self.env.invalidate_all()
        queries = self.queries(lambda: [(c.name, c.email, c.city, c.country_id.code) for c in contacts])
        selects = [q for q in queries if q.lstrip().upper().startswith("SELECT") and '"res_partner"' in q]
        self.assertTrue(selects, "the contacts are read from the database")
        self.assertFalse([q for q in selects if NCC_COLUMN.search(q)],
                         "reading a contact's name and address reads none of the addon's columns")

    def test_addon_fields_are_read_together(self):
        contacts = self.ordinary()
        self.env.invalidate_all()
        queries = self.queries(lambda: [(c.ncc_sync_state, c.ncc_stage_id) for c in contacts])
        selects = [q for q in queries if NCC_COLUMN.search(q)]
        self.assertEqual(len(selects), 1, "the addon's columns are read in one query, for all the contacts")
        self.assertIn('"res_partner"."ncc_sync_state"', selects[0])
        self.assertNotIn('"res_partner"."email"', selects[0], "and without the contact's own columns")

    def test_every_stored_addon_field_is_in_the_addon_group(self):
        fields = self.env["res.partner"]._fields
        stray = [name for name, field in fields.items()
                 if name.startswith("ncc_") and field.store and field.column_type and field.prefetch is True]
        self.assertFalse(stray, "every stored ncc_ column is prefetched in the addon's groups")
        self.assertEqual(fields["ncc_is_applicant"].prefetch, fields["ncc_is_representative"].prefetch)
        self.assertNotEqual(fields["ncc_is_applicant"].prefetch, fields["ncc_sync_state"].prefetch,
                            "the role flags, read of every contact, are read without the application's columns")
        self.assertIs(fields["email"].prefetch, True, "Odoo's own fields keep theirs")

    def test_ordinary_create_and_write_do_no_addon_work(self):
        queries = self.queries(self.ordinary)
        self.assertFalse([q for q in queries if NCC_TABLE.search(q)],
                         "creating ordinary contacts queries none of the addon's tables")
        contacts = self.ordinary()
        self.env.invalidate_all()
        queries = self.queries(lambda: [c.write({"phone": "+32 9 000 00 00", "function": "Manager"})
                                        for c in contacts])
        self.assertFalse([q for q in queries if NCC_TABLE.search(q)],
                         "writing ordinary contacts queries none of the addon's tables")
        read = {column for q in queries for column in NCC_COLUMN.findall(q)}
        self.assertLessEqual(read, ROLE_COLUMNS, "of the addon's columns, only whether it is an applicant (or the "
                                                 "contact person of one) is read, and none is written")
        self.assertFalse([q for q in queries if q.lstrip().upper().startswith("UPDATE") and "ncc_" in q])

    def test_an_ordinary_contact_adds_no_entry_to_the_addon_indexes(self):
        self.env.cr.execute("""
            SELECT indexname, indexdef FROM pg_indexes
             WHERE tablename = 'res_partner' AND indexdef ~ '\\(ncc_\\w+'
        """)
        indexes = dict(self.env.cr.fetchall())
        self.assertIn("res_partner_ncc_atlas_uuid_unique", indexes, "the Atlas UUID stays unique")
        self.assertIn("UNIQUE", indexes["res_partner_ncc_atlas_uuid_unique"])
        contact = self.ordinary(1)
        self.env.flush_all()
        for name, definition in indexes.items():
            self.assertIn(" WHERE ", definition, f"{name} is partial")
            condition = definition.split(" WHERE ", 1)[1]
            self.env.cr.execute(SQL("SELECT count(*) FROM res_partner WHERE id = %s AND %s", contact.id,
                                    SQL(condition)))
            self.assertEqual(self.env.cr.fetchone()[0], 0, f"an ordinary contact has no entry in {name}")
