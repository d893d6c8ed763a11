"""The scheduled jobs as Odoo's cron runner runs them: true progress, faults kept to one vocabulary, quiet waits for
settings, outages that stop a run, alerts once per outage, and a person's send under the job's lock."""

import csv
import socket
import tempfile
import uuid
from collections import Counter
from pathlib import Path
from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from odoo.addons.ncc_atlas_connector.atlas import VOCABULARIES, AtlasClient

from .atlas_common import NCC_KEY, REVIEWER_KEY, AtlasCase, Sandbox

TERMS = "/jsonapi/taxonomy_term/<vocabulary>"
POST = "/jsonapi/node/cluster"
ONE = "/jsonapi/node/cluster/<id>"
PARAM = "ncc_atlas_connector."
SEEDED_TERMS = Path(__file__).resolve().parents[1] / "data" / "ncc.atlas.term.csv"
SYNC_LOGGER = "odoo.addons.ncc_atlas_connector.models.ncc_atlas_sync"


def closed_port_url():
    """The URL of an Atlas that refuses every connection (a loopback port nobody listens on)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/jsonapi"


@tagged("post_install", "-at_install")
class TestAtlasJobProgress(AtlasCase):
    def vocabulary_requests(self):
        return Counter(request["path"].split("?")[0].rsplit("/", 1)[1]
                       for request in self.sandbox.requests("GET", TERMS))

    def pages(self, vocabulary):
        listed = len(self.sandbox.store.terms(vocabulary))
        return -(-listed // 50)

    def setUp(self):
        super().setUp()
        self.env["ir.cron.trigger"].search([]).unlink()  # only the triggers a run leaves behind are of interest

    def assertFinished(self, cron):
        self.assertFalse(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]),
                         "the run finished: not rescheduled at once")
        self.assertEqual(cron.failure_count, 0)
        self.assertTrue(cron.active)

    def test_vocabulary_run_reads_each_vocabulary_once_and_ends(self):
        cron = self.run_cron("vocabularies")
        self.assertEqual(self.vocabulary_requests(), {v: self.pages(v) for v in VOCABULARIES})
        self.assertFinished(cron)
        progress = self.env["ir.cron.progress"].search([("cron_id", "=", cron.id)])
        self.assertEqual(sum(progress.mapped("done")), len(VOCABULARIES), "one vocabulary per call")
        self.assertEqual(progress.sorted("id")[-1].remaining, 0)
        self.run_cron("vocabularies")
        self.assertEqual(self.vocabulary_requests(), {v: 2 * self.pages(v) for v in VOCABULARIES},
                         "the next run reads them all once more")

    def test_push_run_sends_batch_after_batch_and_ends(self):
        self.env["ir.config_parameter"].sudo().set_param(PARAM + "batch_size", 2)
        partners = self.approved_applicant() | self.approved_applicant() | self.approved_applicant()
        self.env["ir.cron.trigger"].search([]).unlink()
        cron = self.push()
        self.assertEqual(set(partners.mapped("ncc_sync_state")), {"synced"})
        self.assertEqual(self.sandbox.count("POST", POST), 3)
        self.assertFinished(cron)
        progress = self.env["ir.cron.progress"].search([("cron_id", "=", cron.id)])
        self.assertEqual(sorted(progress.mapped("done")), [1, 2], "two batches, two calls")

    def test_a_batch_out_of_time_ends_the_run(self):
        self.env["ir.config_parameter"].sudo().set_param(PARAM + "batch_seconds", 0)
        partners = self.approved_applicant() | self.approved_applicant() | self.approved_applicant()
        self.env["ir.cron.trigger"].search([]).unlink()
        cron = self.push()
        self.assertEqual(Counter(partners.mapped("ncc_sync_state")), Counter(synced=1, pending=2),
                         "one application, then the time was up")
        self.assertFinished(cron)
        self.assertEqual(self.sandbox.count("POST", POST), 1)

    def test_pull_run_reads_every_linked_registration_once(self):
        self.env["ir.config_parameter"].sudo().set_param(PARAM + "batch_size", 2)
        partners = self.approved_applicant() | self.approved_applicant() | self.approved_applicant()
        self.push()
        for partner in partners:
            self.sandbox.publish(partner.ncc_atlas_uuid)
        reads = self.sandbox.count("GET", POST)
        cron = self.pull()
        self.assertEqual(self.sandbox.count("GET", POST) - reads, 2, "one read per batch of two")
        self.assertEqual(set(partners.mapped("ncc_stage_id.kind")), {"member"})
        self.assertFinished(cron)
        self.pull()
        self.assertEqual(self.sandbox.count("GET", POST) - reads, 4, "the next run starts again from the first")


@tagged("post_install", "-at_install")
class TestAtlasVocabularyFaults(AtlasCase):
    def vocabulary_log(self, vocabulary):
        return self.env["ncc.atlas.sync.log"].search([("operation", "=", "vocabulary"),
                                                      ("path", "like", f"/taxonomy_term/{vocabulary}")])

    def check_fault_stays_on_one_vocabulary(self, fault, count, requests):
        first = VOCABULARIES[0]
        self.sandbox.force_fault(fault, count=count, methods=["GET"])
        cron = self.run_cron("vocabularies")
        self.assertEqual(cron.failure_count, 0, "no failure escapes the job")
        failed = self.vocabulary_log(first)
        self.assertEqual(len(failed), requests, "logged, and retried only as far as the client retries reads")
        self.assertNotEqual(set(failed.mapped("outcome")), {"ok"})
        for vocabulary in VOCABULARIES[1:]:
            self.assertEqual(self.vocabulary_log(vocabulary).mapped("outcome"), ["ok"] * len(
                self.vocabulary_log(vocabulary)), vocabulary)
            self.assertTrue(self.vocabulary_log(vocabulary), f"{vocabulary} was read all the same")
        self.run_cron("vocabularies")
        self.assertIn("ok", self.vocabulary_log(first).mapped("outcome"), "tried again at the next run")

    def test_a_server_error_on_one_vocabulary(self):
        self.check_fault_stays_on_one_vocabulary("500", 1, 1)

    def test_a_2xx_with_errors_on_one_vocabulary_is_not_retried(self):
        self.check_fault_stays_on_one_vocabulary("error_in_2xx", 1, 1)

    def test_a_retryable_error_on_one_vocabulary_does_not_escape(self):
        self.env["ir.config_parameter"].sudo().set_param(PARAM + "job_read_retries", 1)
        self.check_fault_stays_on_one_vocabulary("503", 2, 1)

    def test_terms_whose_atlas_uuids_all_differ_from_the_seeds(self):
        Term = self.env["ncc.atlas.term"].with_context(active_test=False)
        counts = Counter(Term.search([]).mapped("vocabulary"))
        partner = self.approved_applicant(ncc_sector_ids=[(6, 0, self.term("sectors_chemical").ids)])
        seeded = partner.ncc_thematic_area_ids | partner.ncc_cluster_type_id | partner.ncc_sector_ids
        with tempfile.TemporaryDirectory() as folder:
            atlas = Sandbox(api_key=NCC_KEY, reviewer_key=REVIEWER_KEY,
                            terms_csv=self.terms_with_new_uuids(Path(folder)))
        atlas.start()
        self.addCleanup(atlas.close)
        self.env["ir.config_parameter"].sudo().set_param(PARAM + "url", atlas.url)

        self.run_cron("vocabularies")
        self.assertEqual(Counter(Term.search([]).mapped("vocabulary")), counts, "no second term of any name")
        self.assertFalse(Term.search([("active", "=", False)]), "no term archived")
        atlas_uuids = {term["uuid"] for v in VOCABULARIES for term in atlas.store.terms(v)}
        self.assertLessEqual(set(Term.search([]).mapped("atlas_uuid")), atlas_uuids, "the Atlas's UUIDs adopted")
        self.assertEqual(partner.ncc_thematic_area_ids | partner.ncc_cluster_type_id | partner.ncc_sector_ids,
                         seeded, "the application keeps its terms")

        self.push()
        self.assertEqual(partner.ncc_sync_state, "synced", partner.ncc_sync_error)
        remote = atlas.cluster(partner.ncc_atlas_uuid)
        self.assertEqual(remote["field_sectors"], partner.ncc_sector_ids.mapped("atlas_uuid"))

    def terms_with_new_uuids(self, folder):
        with SEEDED_TERMS.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        for row in rows:
            row["atlas_uuid"] = str(uuid.uuid4())
        path = folder / "terms.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        return path

    def test_an_application_never_stays_on_an_archived_term(self):
        Term = self.env["ncc.atlas.term"]
        energy = self.term("sectors_chemical")
        # An earlier sync made a second "Chemical" with the Atlas's UUID and archived the seeded one.
        atlas_uuid = energy.atlas_uuid
        energy.write({"atlas_uuid": str(uuid.uuid4()), "active": False})
        energy.flush_recordset()
        duplicate = Term.create({"name": "Chemical", "vocabulary": "sectors", "atlas_uuid": atlas_uuid})
        withdrawn = Term.create({"name": "Withdrawn sector", "vocabulary": "sectors",
                                 "atlas_uuid": "00000000-0000-4000-8000-0000000000aa"})
        moved = self.approved_applicant(ncc_sector_ids=[(6, 0, energy.ids)])
        stranded = self.approved_applicant(ncc_sector_ids=[(6, 0, withdrawn.ids)])
        self.run_cron("vocabularies")
        self.assertEqual(moved.ncc_sector_ids, duplicate, "moved to the active term of the same name")
        self.assertFalse(withdrawn.active)
        self.assertEqual(stranded.ncc_sync_state, "error")
        self.assertIn("The Atlas no longer lists 'Withdrawn sector'", stranded.ncc_sync_error)
        self.push()
        self.assertEqual(moved.ncc_sync_state, "synced", moved.ncc_sync_error)
        self.assertEqual(self.sandbox.count("POST", POST), 1, "the stranded one is not sent")


@tagged("post_install", "-at_install")
class TestAtlasWaitsForSettings(AtlasCase):
    def test_unconfigured_jobs_end_quietly_and_saving_the_settings_resumes_them(self):
        params = self.env["ir.config_parameter"].sudo()
        params.set_param(PARAM + "api_key", False)
        partner = self.approved_applicant()
        for job in ("push", "pull", "vocabularies"):
            cron = self.run_cron(job)
            self.assertEqual((cron.active, cron.failure_count), (True, 0), job)
        self.assertEqual(self.sandbox.count(), 0)
        self.assertEqual(partner.ncc_sync_state, "pending", "kept pending, not put in error")
        self.assertIn("Settings > Community Registration", partner.ncc_sync_error)

        self.env["ir.cron.trigger"].search([]).unlink()
        self.env["res.config.settings"].create({"ncc_atlas_api_key": NCC_KEY}).execute()
        triggered = self.env["ir.cron.trigger"].search([]).cron_id
        for job in ("push", "pull", "vocabularies"):
            self.assertIn(self.env.ref(f"ncc_atlas_connector.ir_cron_ncc_atlas_{job}"), triggered, job)
        self.push()
        self.assertEqual(partner.ncc_sync_state, "synced", partner.ncc_sync_error)

    def test_approval_triggers_the_push_at_once(self):
        push = self.env.ref("ncc_atlas_connector.ir_cron_ncc_atlas_push")
        self.env["ir.cron.trigger"].search([]).unlink()
        self.approved_applicant()
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", push.id)]))


@tagged("post_install", "-at_install")
class TestAtlasAbsentIsNotGone(AtlasCase):
    def test_push_reads_by_uuid_before_unlinking(self):
        partner = self.approved_applicant()
        self.push()
        uuid_ = partner.ncc_atlas_uuid
        partner.phone = "+352 20 00 00 01"
        with patch.object(AtlasClient, "clusters_by_ids", lambda client, uuids: []):  # a listing that misses it
            self.push()
        self.assertEqual((partner.ncc_atlas_uuid, partner.ncc_sync_state), (uuid_, "synced"))
        self.assertEqual(self.sandbox.count("GET", ONE), 1, "read by its UUID")
        self.assertEqual(self.sandbox.count("POST", POST), 1, "never created again")
        self.assertEqual(self.remote(partner)["field_phone_number"], "+352 20 00 00 01")

    def test_pull_reads_by_uuid_before_unlinking(self):
        partner = self.approved_applicant()
        self.push()
        uuid_ = partner.ncc_atlas_uuid
        self.sandbox.publish(uuid_)
        with patch.object(AtlasClient, "clusters_by_ids", lambda client, uuids: []):
            self.pull()
        self.assertEqual(partner.ncc_atlas_uuid, uuid_)
        self.assertEqual(partner.ncc_stage_id.kind, "member", "the decision read by UUID is applied")

    def test_pull_unlinks_only_what_the_atlas_says_is_gone(self):
        partner = self.approved_applicant()
        self.push()
        self.sandbox.reset()
        self.pull()
        self.assertEqual(self.sandbox.count("GET", ONE, 404), 1, "confirmed by a read by UUID")
        self.assertFalse(partner.ncc_atlas_uuid)
        self.assertEqual(partner.ncc_sync_state, "pending", "to be looked up again by the next push")


@tagged("post_install", "-at_install")
class TestAtlasOutage(AtlasCase):
    def ten_applications(self):
        return self.Partner.browse([self.approved_applicant().id for _i in range(10)])

    def check_run_stopped(self, partners):
        # Three exchanges in a row without an answer: the batch's search, then two applications looked up alone.
        tried = partners.filtered("ncc_sync_attempts")
        self.assertEqual(len(tried), 2, "the run stopped after three exchanges in a row without an answer")
        self.assertEqual(set(partners.mapped("ncc_sync_state")), {"pending"}, "everything stays pending")
        self.assertFalse((partners - tried).filtered("ncc_next_attempt"), "the others are due at the next run")
        Log = self.env["ncc.atlas.sync.log"]
        logs = Log.search([("partner_id", "in", partners.ids)]) | Log.search([("operation", "=", "look-up")])
        self.assertEqual(len(logs), 3)
        self.assertEqual(set(logs.mapped("outcome")), {"retryable"})
        self.assertEqual(set(logs.mapped("status")), {0}, "no answer at all")

    @mute_logger("odoo.addons.ncc_atlas_connector.atlas.client")
    def test_connection_refused_stops_the_run(self):
        partners = self.ten_applications()
        self.env["ir.config_parameter"].sudo().set_param(PARAM + "url", closed_port_url())
        self.env["ir.cron.trigger"].search([]).unlink()
        cron = self.push()
        self.assertEqual(cron.failure_count, 0)
        self.check_run_stopped(partners)
        self.assertFalse(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]),
                         "not rerun at once: the next run tries again")


    @mute_logger("odoo.addons.ncc_atlas_connector.atlas.client")
    def test_connection_refused_ends_the_pull_and_the_vocabulary_runs_quietly(self):
        partner = self.approved_applicant()
        self.push()
        self.env["ir.config_parameter"].sudo().set_param(PARAM + "url", closed_port_url())
        Log = self.env["ncc.atlas.sync.log"]
        before = Log.search_count([])
        for job in ("pull", "vocabularies"):
            cron = self.run_cron(job)
            self.assertEqual((cron.active, cron.failure_count), (True, 0), job)
        self.assertEqual(Log.search_count([]) - before, 2, "one exchange each, then each run ended")
        self.assertEqual((partner.ncc_atlas_state, partner.ncc_sync_state), ("ready_for_publication", "synced"))
        self.assertFalse(self.env["ir.config_parameter"].sudo().get_param(PARAM + "vocabularies_todo"),
                         "the next run reads every vocabulary again")


@tagged("post_install", "-at_install")
class TestAtlasKeyRefused(AtlasCase):
    def alerts(self, subject):
        admin = self.env.ref("base.user_admin").partner_id
        return self.env["mail.message"].search([("partner_ids", "in", admin.ids), ("subject", "=", subject)])

    @mute_logger(SYNC_LOGGER)
    def test_admins_are_alerted_once_per_outage_and_when_it_ends(self):
        partner = self.approved_applicant()
        params = self.env["ir.config_parameter"].sudo()
        params.set_param(PARAM + "api_key", "wrong-key-0000")
        for _run in range(3):
            self.push()
            self.pull()
        self.assertEqual(len(self.alerts("Atlas sync stopped")), 1, "one alert for the whole outage")
        self.assertEqual(partner.ncc_sync_state, "pending")
        params.set_param(PARAM + "api_key", NCC_KEY)
        self.push()
        self.assertEqual(partner.ncc_sync_state, "synced")
        self.assertEqual(len(self.alerts("Atlas sync running again")), 1)
        self.push()
        self.assertEqual(len(self.alerts("Atlas sync running again")), 1)

    @mute_logger(SYNC_LOGGER)
    def test_send_now_with_a_refused_key_gives_words_keeps_the_log_and_alerts(self):
        partner = self.approved_applicant()
        self.env["ir.config_parameter"].sudo().set_param(PARAM + "api_key", "wrong-key-0000")
        try:  # not assertRaises, whose savepoint would roll back what the action wrote
            partner.action_ncc_sync_now()
            said = None
        except UserError as exc:
            said = str(exc)
        self.assertIn("refused the API key", said)
        self.assertIn("administrators have been told", said)
        self.assertEqual(partner.ncc_sync_log_ids.mapped("outcome"), ["authentication"])
        self.assertEqual(len(self.alerts("Atlas sync stopped")), 1)


@tagged("post_install", "-at_install")
class TestAtlasSendNow(AtlasCase):
    def test_send_now_from_the_form(self):
        partner = self.approved_applicant()
        form = Form(partner)
        form.record.action_ncc_sync_now()
        self.assertEqual(partner.ncc_sync_state, "synced", partner.ncc_sync_error)
        self.assertEqual(self.sandbox.count("POST", POST), 1)

    def test_send_now_waits_for_the_row_another_transaction_sends_then_says_so(self):
        """The row lock of another transaction (as the scheduled push holds while it sends), taken on a company
        committed before the test, so that a second connection sees it."""
        company = self.env.company.partner_id
        with self.registry.cursor() as other:
            other.execute("SET LOCAL lock_timeout = '5s'")  # never hang on a row this test changed
            other.execute("SELECT id FROM res_partner WHERE id = %s FOR NO KEY UPDATE", [company.id])
            with self.assertRaises(UserError) as caught:
                company.action_ncc_sync_now()
            other.rollback()
        self.assertIn("is being sent to the Atlas right now", str(caught.exception))
        self.assertEqual(self.sandbox.count(), 0, "nothing sent")
