from odoo.tests import tagged

from .atlas_common import AtlasCase

PATCH = "/jsonapi/node/cluster/<id>"


@tagged("post_install", "-at_install")
class TestAtlasReadBack(AtlasCase):
    """What the Atlas hands back is read as it is: a partial address, several names in the national languages."""

    def synced_applicant(self):
        partner = self.approved_applicant()
        self.push()
        self.assertEqual(partner.ncc_sync_state, "synced", partner.ncc_sync_error)
        return partner

    def edit_on_atlas(self, uuid, **attributes):
        store = self.sandbox.store
        store.update_cluster(uuid, attributes={**store.cluster(uuid)["attributes"], **attributes})

    def patches(self):
        return [request["body"]["data"]["attributes"] for request in self.sandbox.requests("PATCH", PATCH)]

    def test_a_city_edited_on_the_atlas_in_a_partial_address_is_taken(self):
        partner = self.synced_applicant()
        self.edit_on_atlas(partner.ncc_atlas_uuid, field_address={"country_code": "LU", "locality": "Esch-sur-Alzette"})
        partner.phone = "+352 20 00 00 02"
        self.push()
        self.assertEqual(partner.ncc_sync_state, "synced", partner.ncc_sync_error)
        self.assertEqual((partner.city, partner.street, partner.country_id.code),
                         ("Esch-sur-Alzette", "12 rue de l'Innovation", "LU"), "the street the Atlas left out stays")
        self.assertEqual(self.patches()[-1]["field_phone_number"], "+352 20 00 00 02")

    def test_several_national_names_are_all_kept(self):
        partner = self.synced_applicant()
        names = ["Kirchberg Systèmes de Sécurité S.A.", "Kirchberg Sicherheitssysteme AG"]
        self.edit_on_atlas(partner.ncc_atlas_uuid, field_institution_name_in_nation=names)
        partner.phone = "+352 20 00 00 03"
        self.push()
        self.assertEqual(partner.ncc_sync_state, "synced", partner.ncc_sync_error)
        self.assertEqual(partner.ncc_name_national, " / ".join(names), "every name, none silently dropped")
        self.assertEqual(self.patches()[-1], {"field_phone_number": "+352 20 00 00 03"},
                         "the names are not sent back over the Atlas's list")
        # Nothing changed since: queued again, the push sends nothing.
        sent = len(self.patches())
        partner.with_context(ncc_atlas_write=True).ncc_sync_state = "pending"
        self.push()
        self.assertEqual((partner.ncc_sync_state, len(self.patches())), ("synced", sent))
