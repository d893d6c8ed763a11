"""Each reader gets the words in their own language: the missing items and the last sync error, whoever (or
whichever cron) caused them, in English."""

from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .atlas_common import AtlasCase

POST = "/jsonapi/node/cluster"
LANGS = ("fr_FR", "de_DE")


@tagged("post_install", "-at_install")
class TestTranslations(AtlasCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for code in LANGS:
            cls.env["res.lang"]._activate_lang(code)
        groups = "base.group_user,ncc_atlas_connector.group_ncc_officer"
        cls.french = new_test_user(cls.env, "officer_fr", groups=groups, lang="fr_FR")
        cls.german = new_test_user(cls.env, "officer_de", groups=groups, lang="de_DE")
        cls.english = new_test_user(cls.env, "officer_en", groups=groups, lang="en_US")

    def read_as(self, user, record, fname):
        record = record.with_user(user).with_context(lang=user.lang)
        record.invalidate_recordset([fname])
        return record[fname]

    def test_the_addon_s_translations_load_without_warning(self):
        with self.assertNoLogs("odoo.tools.translate", "WARNING"), self.assertNoLogs("odoo.modules", "WARNING"):
            self.env["ir.module.module"]._load_module_terms(["ncc_atlas_connector"], list(LANGS), overwrite=True)
        field = self.env["ir.model.fields"]._get("res.partner", "ncc_missing_items")
        self.assertEqual(field.with_context(lang="fr_FR").field_description, "Manquant avant l'Atlas")
        self.assertEqual(field.with_context(lang="de_DE").field_description, "Fehlt noch für den Atlas")
        # The applicant's emails go out in the applicant's language, subject and body.
        template = self.env.ref("ncc_atlas_connector.mail_template_ncc_received")
        for lang, subject, body in (("fr_FR", "Votre candidature", "Nous avons bien reçu"),
                                    ("de_DE", "Ihr Antrag", "Wir haben den Antrag")):
            applicant = self.create_applicant(lang=lang)
            mail = template._generate_template(applicant.ids, ["subject", "body_html"])[applicant.id]
            self.assertTrue(mail["subject"].startswith(subject), mail["subject"])
            self.assertIn(body, mail["body_html"])

    def test_missing_items_in_the_reader_s_language(self):
        applicant = self.create_applicant()
        # An English-speaking colleague empties the city: the text is not stored in their words.
        applicant.with_user(self.english).with_context(lang="en_US").write({"city": False})
        self.assertEqual(self.read_as(self.english, applicant, "ncc_missing_items"), "• City")
        self.assertEqual(self.read_as(self.french, applicant, "ncc_missing_items"), "• Ville")
        self.assertEqual(self.read_as(self.german, applicant, "ncc_missing_items"), "• Ort")
        self.assertFalse(applicant.ncc_registration_complete)

    @mute_logger("odoo.addons.ncc_atlas_connector.atlas.client")
    def test_sync_error_of_the_cron_in_the_reader_s_language(self):
        bogus = self.env["ncc.atlas.term"].create({
            "name": "Not on the Atlas", "vocabulary": "sectors", "atlas_uuid": "00000000-0000-4000-8000-000000000000",
        })
        partner = self.approved_applicant(ncc_sector_ids=[(6, 0, bogus.ids)])
        self.push()  # the cron runs in English
        self.assertEqual(self.sandbox.count("POST", POST, 422), 1)
        self.assertEqual(partner.ncc_sync_state, "error")
        english = self.read_as(self.english, partner, "ncc_sync_error")
        self.assertTrue(english.startswith("The Atlas refused the registration: "), english)
        french = self.read_as(self.french, partner, "ncc_sync_error")
        self.assertTrue(french.startswith("L'Atlas a refusé l'enregistrement : "), french)
        german = self.read_as(self.german, partner, "ncc_sync_error")
        self.assertTrue(german.startswith("Der Atlas hat die Registrierung abgelehnt: "), german)
        # The Atlas's own detail is its words, the same for everyone.
        detail = english.removeprefix("The Atlas refused the registration: ")
        self.assertIn("field_sectors", detail)
        self.assertTrue(french.endswith(detail) and german.endswith(detail))

    def test_settings_problem_held_in_the_reader_s_language(self):
        partner = self.approved_applicant()
        self.env["ir.config_parameter"].sudo().set_param("ncc_atlas_connector.api_key", False)
        self.push()
        self.assertEqual(partner.ncc_sync_state, "pending")
        self.assertTrue(self.read_as(self.english, partner, "ncc_sync_error").startswith(
            "Not sent yet. The Atlas is not configured"))
        self.assertTrue(self.read_as(self.french, partner, "ncc_sync_error").startswith(
            "Pas encore envoyé. L'Atlas n'est pas configuré"))
        self.assertTrue(self.read_as(self.german, partner, "ncc_sync_error").startswith(
            "Noch nicht gesendet. Der Atlas ist nicht konfiguriert"))

    def test_migration_keeps_a_stored_sync_error(self):
        from odoo.addons.ncc_atlas_connector.migration_steps import sync_errors_as_sentences

        partner = self.create_applicant()
        self.env.flush_all()
        cr = self.env.cr
        cr.execute("ALTER TABLE res_partner ADD COLUMN ncc_sync_error text, ADD COLUMN ncc_missing_items text")
        cr.execute("UPDATE res_partner SET ncc_sync_error = %s WHERE id = %s", ["Old words, 100%", partner.id])
        sync_errors_as_sentences(cr)
        partner.invalidate_recordset()
        self.assertEqual(partner.ncc_sync_error, "Old words, 100%")
        cr.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'res_partner' "
                   "AND column_name IN ('ncc_sync_error', 'ncc_missing_items')")
        self.assertFalse(cr.fetchall())
