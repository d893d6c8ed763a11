"""A sandbox Atlas on a loopback port for the Odoo tests: the sync talks real HTTP to it.

The sandbox is not part of the addon: it lives beside it (``atlas_sandbox/``), and the test command puts the
checkout on the Python path.
"""

import contextlib
import os

from atlas_sandbox import Sandbox

from .registration_common import RegistrationCase

NCC_KEY = "test-ncc-key-0123456789"
REVIEWER_KEY = "test-eccc-reviewer-key"


class AtlasCase(RegistrationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The default read-back quirks, or those of NCC_SANDBOX_QUIRKS (e.g. "all", "none", JSON).
        cls.sandbox = Sandbox(api_key=NCC_KEY, reviewer_key=REVIEWER_KEY,
                              quirks=os.environ.get("NCC_SANDBOX_QUIRKS") or None)
        cls.quirks = cls.sandbox.quirks
        cls.sandbox.start()
        cls.addClassCleanup(cls.sandbox.close)
        cls.sync = cls.env["ncc.atlas.sync"]
        cls.sync._configure_sandbox(cls.sandbox.url, NCC_KEY)
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param("ncc_atlas_connector.timeout", 5)
        params.set_param("ncc_atlas_connector.country_term_id", cls.env.ref(
            "ncc_atlas_connector.term_country_lu").id)

    def setUp(self):
        super().setUp()
        self.sandbox.reset()
        self.sandbox.set_faults(None)
        self.sandbox.set_quirks(self.quirks)

    def stage(self, kind):
        return self.env["res.partner"]._ncc_stage_of_kind(kind)

    def approved_applicant(self, **overrides):
        """A complete applicant moved straight to the approved stage, as a manager's decision would."""
        partner = self.create_applicant(**overrides)
        self.approve(partner)
        return partner

    def push_in_batches(self, batch_size, concurrency):
        """Batches of ``batch_size`` applications, ``concurrency`` requests of a batch in flight."""
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("ncc_atlas_connector.batch_size", batch_size)
        params.set_param("ncc_atlas_connector.push_concurrency", concurrency)

    def approved_applicants(self, count, label):
        """``count`` complete applicants moved to the approved stage, named "<label> Systems 00 S.A." and on."""
        partners = self.Partner.browse()
        for i in range(count):
            partners |= self.create_applicant(name=f"{label} Systems {i:02d} S.A.",
                                              ncc_name_national=f"{label} {i:02d}")
        for partner in partners:
            self.approve(partner)
        return partners

    def approve(self, partner):
        partner._ncc_generate_checks()
        partner.ncc_check_ids.write({"result": "pass"})
        partner.with_context(ncc_system_move=True).write({"ncc_stage_id": self.stage("approved").id})

    def run_cron(self, job):
        """Run a scheduled action through Odoo's cron runner, as a cron worker does (each call in its own
        transaction, repeated while it reports work remaining); the registry's cursors are the test's."""
        cron = self.env.ref(f"ncc_atlas_connector.ir_cron_ncc_atlas_{job}")
        mode = contextlib.nullcontext() if type(self)._registry_patched else self.enter_registry_test_mode()
        with mode:
            result = cron.method_direct_trigger()
        self.env.invalidate_all()
        self.assertIs(result, True, f"the {job} job failed: {result}")
        return cron

    def push(self):
        return self.run_cron("push")

    def pull(self):
        return self.run_cron("pull")

    def push_until_settled(self, rounds=30):
        """Run the push again and again, as the cron would over time, until nothing is pending."""
        Partner = self.env["res.partner"]
        for _round in range(rounds):
            pending = Partner.search([("ncc_sync_state", "=", "pending")])
            if not pending:
                return
            pending.write({"ncc_next_attempt": False})
            self.push()
        self.fail(f"still pending after {rounds} rounds: {pending.mapped('ncc_sync_error')}")

    def remote(self, partner):
        return self.sandbox.cluster(partner.ncc_atlas_uuid)
