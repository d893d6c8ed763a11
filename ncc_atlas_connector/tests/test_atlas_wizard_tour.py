from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .atlas_wizard_common import AtlasWizardCase


@tagged("post_install", "-at_install")
class TestAtlasWizardTour(AtlasWizardCase, HttpCase):
    """In the browser, from the application form: an officer chooses among Atlas candidates, and settles a conflict
    field by field."""

    browser_size = "1440x900"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        new_test_user(cls.env, "atlas_tour_officer", groups="ncc_atlas_connector.group_ncc_officer",
                      name="Otto Officer")

    def test_officer_links_the_right_candidate(self):
        partner, right, _old = self.needs_choice(name="Tour Choice Labs")
        self.start_tour("/odoo/community-applications", "ncc_atlas_link_wizard_tour", login="atlas_tour_officer")
        self.assertEqual((partner.ncc_atlas_uuid, partner.ncc_sync_state), (right, "pending"))
        self.push()
        self.assertEqual(partner.ncc_sync_state, "synced", partner.ncc_sync_error)
        self.assertEqual(self.sandbox.count("POST", "/jsonapi/node/cluster"), 0, "no duplicate on the Atlas")

    def test_officer_settles_a_conflict_field_by_field(self):
        partner = self.conflict(name="Tour Conflict Labs")
        self.start_tour("/odoo/community-applications", "ncc_atlas_conflict_wizard_tour",
                        login="atlas_tour_officer")
        self.assertEqual(partner.phone, "+352 1 ATLAS", "the Atlas's phone, as chosen")
        self.assertEqual(partner.ncc_goals_to_achieve, "Partners for research projects.", "the goals kept here")
        self.assertEqual(partner.ncc_sync_state, "pending")
        self.push()
        self.assertEqual(partner.ncc_sync_state, "synced", partner.ncc_sync_error)
        remote = self.remote(partner)
        self.assertEqual((remote["field_phone_number"], remote["field_goals_to_achieve"]),
                         ("+352 1 ATLAS", "Partners for research projects."))

    @mute_logger("odoo.http")  # the refusal the test provokes is logged as a warning
    def test_officer_is_told_in_words_when_the_atlas_is_down(self):
        partner, _right, _old = self.needs_choice(name="Tour Down Labs")
        self.sync._configure_sandbox("http://127.0.0.1:9", "test-ncc-key-0123456789")
        self.start_tour("/odoo/community-applications", "ncc_atlas_wizard_down_tour", login="atlas_tour_officer")
        self.assertEqual(partner.ncc_sync_state, "needs_choice")
