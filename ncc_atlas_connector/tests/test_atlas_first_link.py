import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from odoo.tests import tagged

from odoo.addons.ncc_atlas_connector.atlas import UnexpectedAnswerError

from .atlas_common import AtlasCase

PATCH = "/jsonapi/node/cluster/<id>"
POST = "/jsonapi/node/cluster"


@tagged("post_install", "-at_install")
class TestAtlasFirstLink(AtlasCase):
    """An application never synced, whose look-up finds a registration already on the Atlas that differs: someone
    at the NCC or the ECCC may have edited it there, so each difference is a conflict for the policy, as it is
    for later syncs. Values that differ only by spaces or by the case of the registration number are none."""

    def run_push_cron(self):
        """The push as the scheduler runs it: Odoo's cron runner, in its own (test) cursor."""
        cron = self.env.ref("ncc_atlas_connector.ir_cron_ncc_atlas_push")
        with self.enter_registry_test_mode():
            cron.method_direct_trigger()

    def set_policy(self, policy):
        self.env["ir.config_parameter"].sudo().set_param("ncc_atlas_connector.conflict_policy", policy)

    def edit_on_atlas(self, uuid, **attributes):
        """Write attributes as they are (no normalisation) straight into the sandbox's store."""
        store = self.sandbox.store
        store.update_cluster(uuid, attributes={**store.cluster(uuid)["attributes"], **attributes})

    def applicant_found_on_the_atlas(self):
        """An approved applicant never synced, and a registration on the Atlas with its number and country but
        another phone and other goals (edited there)."""
        partner = self.create_applicant()
        uuid = self.sandbox.add_cluster(partner._ncc_atlas_values(), state="draft")
        self.edit_on_atlas(uuid, field_phone_number="+352 99 99 99", field_goals_to_achieve="Edited at the ECCC")
        self.approve(partner)
        self.assertFalse(partner.ncc_synced_values, "never synced")
        return partner, uuid

    def test_ask_a_person(self):
        self.set_policy("ask")
        partner, uuid = self.applicant_found_on_the_atlas()
        self.run_push_cron()
        self.assertEqual(partner.ncc_atlas_uuid, uuid, "linked, not duplicated")
        self.assertEqual(self.sandbox.count("POST", POST), 0)
        self.assertEqual(partner.ncc_sync_state, "conflict")
        self.assertIn("Phone number", partner.ncc_sync_error)
        self.assertIn("Goals to achieve", partner.ncc_sync_error)
        self.assertEqual(self.sandbox.count("PATCH", PATCH), 0, "nothing is overwritten before a person decides")
        remote = self.remote(partner)
        self.assertEqual((remote["field_phone_number"], remote["field_goals_to_achieve"]),
                         ("+352 99 99 99", "Edited at the ECCC"))

        wizard = self.env["ncc.atlas.conflict.wizard"].create({"partner_id": partner.id})
        self.assertEqual(sorted(wizard.line_ids.mapped("remote_value")), ["+352 99 99 99", "Edited at the ECCC"])
        wizard.action_keep_local()
        self.run_push_cron()
        self.assertEqual(partner.ncc_sync_state, "synced", partner.ncc_sync_error)
        remote = self.remote(partner)
        self.assertEqual((remote["field_phone_number"], remote["field_goals_to_achieve"]),
                         ("+352 20 12 34 56", "Partners for research projects."))
        self.assertEqual(remote["moderation_state"], "ready_for_publication")

    def test_local_wins(self):
        self.set_policy("local")
        partner, uuid = self.applicant_found_on_the_atlas()
        self.run_push_cron()
        self.assertEqual((partner.ncc_atlas_uuid, partner.ncc_sync_state), (uuid, "synced"), partner.ncc_sync_error)
        remote = self.remote(partner)
        self.assertEqual((remote["field_phone_number"], remote["field_goals_to_achieve"]),
                         ("+352 20 12 34 56", "Partners for research projects."))
        self.assertEqual(self.sandbox.count("POST", POST), 0)

    def test_remote_wins(self):
        self.set_policy("remote")
        partner, uuid = self.applicant_found_on_the_atlas()
        self.run_push_cron()
        self.assertEqual((partner.ncc_atlas_uuid, partner.ncc_sync_state), (uuid, "synced"), partner.ncc_sync_error)
        self.assertEqual((partner.phone, partner.ncc_goals_to_achieve), ("+352 99 99 99", "Edited at the ECCC"))
        remote = self.remote(partner)
        self.assertEqual((remote["field_phone_number"], remote["field_goals_to_achieve"]),
                         ("+352 99 99 99", "Edited at the ECCC"))
        sent = [request["body"]["data"]["attributes"] for request in self.sandbox.requests("PATCH", PATCH)]
        self.assertEqual(sent, [{"moderation_state": "ready_for_publication"}], "only the state is asked for")

    def test_the_same_registration_is_linked_without_a_conflict(self):
        """The look-up after a lost answer finds the registration we sent: no difference, no conflict."""
        self.set_policy("ask")
        partner = self.create_applicant()
        uuid = self.sandbox.add_cluster(partner._ncc_atlas_values(), state="draft")
        # Stray spaces, as other tools leave them (the number itself must match: the Atlas search is exact).
        self.edit_on_atlas(uuid, title=f"  {partner.name} ", field_general_contact_e_mail=f" {partner.email}",
                           field_goals_to_achieve=f"{partner.ncc_goals_to_achieve}\n")
        self.approve(partner)
        self.run_push_cron()
        self.assertEqual((partner.ncc_atlas_uuid, partner.ncc_sync_state), (uuid, "synced"), partner.ncc_sync_error)
        sent = [request["body"]["data"]["attributes"] for request in self.sandbox.requests("PATCH", PATCH)]
        self.assertEqual(sent, [{"moderation_state": "ready_for_publication"}])

    def test_spacing_and_case_are_no_conflict_after_linking(self):
        self.set_policy("ask")
        partner = self.approved_applicant()
        self.run_push_cron()
        self.assertEqual(partner.ncc_sync_state, "synced", partner.ncc_sync_error)
        self.edit_on_atlas(partner.ncc_atlas_uuid, title=f" {partner.name}  ",
                           field_registration_number=f" {partner.company_registry.lower()}")
        partner.phone = "+352 20 00 00 01"
        partner.company_registry = f" {partner.company_registry} "
        self.run_push_cron()
        self.assertEqual(partner.ncc_sync_state, "synced", partner.ncc_sync_error)
        sent = [request["body"]["data"]["attributes"] for request in self.sandbox.requests("PATCH", PATCH)]
        self.assertEqual(sent[-1], {"field_phone_number": "+352 20 00 00 01"}, "only the real change is sent")


class _ProxyRefusingEverything(BaseHTTPRequestHandler):
    """A proxy in front of the Atlas that answers every request with its own HTML 400 page."""

    PAGE = b"<html><body><h1>400 Bad Request</h1>Request Header Or Cookie Too Large</body></html>"

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.send_response(400)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(self.PAGE)))
        self.end_headers()
        self.wfile.write(self.PAGE)

    do_POST = do_PATCH = do_GET


@tagged("post_install", "-at_install")
class TestAtlasAnswerNotFromTheAtlas(AtlasCase):
    """A 400 that is not a JSON:API error is not the record's fault: retried a bounded number of times across
    runs, each answer kept in the sync log, then reported in words."""

    def test_retried_then_reported_in_words(self):
        proxy = ThreadingHTTPServer(("127.0.0.1", 0), _ProxyRefusingEverything)
        threading.Thread(target=proxy.serve_forever, daemon=True).start()
        self.addCleanup(proxy.server_close)
        self.addCleanup(proxy.shutdown)
        self.env["ir.config_parameter"].sudo().set_param(
            "ncc_atlas_connector.url", f"http://127.0.0.1:{proxy.server_address[1]}/jsonapi")
        partner = self.approved_applicant()
        cron = self.env.ref("ncc_atlas_connector.ir_cron_ncc_atlas_push")
        for attempt in range(1, UnexpectedAnswerError.max_attempts):
            with self.enter_registry_test_mode():
                cron.method_direct_trigger()
            self.assertEqual((partner.ncc_sync_state, partner.ncc_sync_attempts), ("pending", attempt),
                             "not the record's fault: tried again later")
            self.assertTrue(partner.ncc_next_attempt)
            partner.with_context(ncc_atlas_write=True).ncc_next_attempt = False  # as if the wait were over
        with self.enter_registry_test_mode():
            cron.method_direct_trigger()
        self.assertEqual(partner.ncc_sync_state, "error")
        self.assertIn("not a problem of the registration", partner.ncc_sync_error)
        self.assertNotIn("<html>", partner.ncc_sync_error)
        logs = partner.ncc_sync_log_ids
        self.assertEqual(len(logs), UnexpectedAnswerError.max_attempts)
        self.assertEqual(set(logs.mapped("outcome")), {"unexpected"})
        self.assertIn("Request Header Or Cookie Too Large", logs[0].response_excerpt)
