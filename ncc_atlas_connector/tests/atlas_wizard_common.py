"""Applications waiting for an officer at the Atlas: several candidates to choose from, or a conflict."""

from .atlas_common import AtlasCase


class AtlasWizardCase(AtlasCase):
    def needs_choice(self, **overrides):
        """An approved applicant whose push found two Atlas registrations: the right one, and an older one with
        another name and website. Returns the applicant and both UUIDs."""
        partner = self.create_applicant(**overrides)
        values = partner._ncc_atlas_values()
        right = self.sandbox.add_cluster(values)
        old = self.sandbox.add_cluster({
            **values, "title": "Kirchberg Secure (old)", "field_url": "https://old.kirchberg.example.eu",
        })
        self.approve(partner)
        self.push()
        self.assertEqual(partner.ncc_sync_state, "needs_choice", partner.ncc_sync_error)
        return partner, right, old

    def conflict(self, **overrides):
        """An applicant on the Atlas whose phone changed on both sides, and whose goals only the Atlas changed."""
        partner = self.approved_applicant(**overrides)
        self.push()
        self.assertEqual(partner.ncc_sync_state, "synced", partner.ncc_sync_error)
        store = self.sandbox.store
        store.update_cluster(partner.ncc_atlas_uuid, attributes={
            **store.cluster(partner.ncc_atlas_uuid)["attributes"],
            "field_phone_number": "+352 1 ATLAS", "field_goals_to_achieve": "Goals edited on the Atlas",
        })
        partner.phone = "+352 2 HERE"
        self.push()
        self.assertEqual(partner.ncc_sync_state, "conflict", partner.ncc_sync_error)
        return partner
