from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestAtlasTerm(TransactionCase):
    def test_seeded_vocabularies(self):
        Term = self.env["ncc.atlas.term"]
        counts = {v: Term.search_count([("vocabulary", "=", v)]) for v, _label in Term._fields["vocabulary"].selection}
        self.assertEqual(
            counts,
            {
                "country": 27,
                "cluster_type": 9,
                "fields_of_activity": 6,
                "cluster_thematic_area": 165,
                "sectors": 15,
                "technologies": 17,
                "use_cases": 6,
            },
        )
        self.assertFalse(Term.search_count([("atlas_uuid", "=", False)]), "every seeded term has its Atlas UUID")

    def test_subdomains_hang_under_their_domain(self):
        crypto = self.env.ref(
            "ncc_atlas_connector.term_cluster_thematic_area_cryptology_cryptography_and_cryptanalysis"
        )
        self.assertFalse(crypto.parent_id)
        self.assertIn("Post-quantum cryptography", crypto.child_ids.mapped("name"))
        self.assertEqual(crypto.atlas_uuid, "81419fc1-aed8-4d08-8665-98f8c0df0438")
        pqc = crypto.child_ids.filtered(lambda t: t.name == "Post-quantum cryptography")
        self.assertEqual(pqc.display_name, "Cryptology (Cryptography and Cryptanalysis) / Post-quantum cryptography")

    def test_eu_countries_carry_iso_codes(self):
        lux = self.env.ref("ncc_atlas_connector.term_country_lu")
        self.assertEqual((lux.name, lux.iso_code), ("Luxembourg", "LU"))
