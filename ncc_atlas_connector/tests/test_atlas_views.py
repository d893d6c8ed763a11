from lxml import etree

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .registration_common import RegistrationCase

# Runs in the pipeline kanban: the cards show the Atlas state and the sync problems, in colour.
CHECK_BADGES = """
const card = (name) => [...document.querySelectorAll(".o_kanban_record")]
    .find((element) => element.textContent.includes(name));
const badge = (name, which) => {
    const element = card(name) && card(name).querySelector(`span[name=${which}]`);
    return element ? {text: element.textContent.replace(/\\s+/g, " ").trim(), cls: element.className} : null;
};
const expect = (ok, message) => { if (!ok) { throw new Error(message); } };
try {
    const refused = badge("Refused Systems", "ncc_sync_state_badge");
    expect(refused && refused.text.includes("Atlas: Error") && refused.cls.includes("text-bg-danger"),
           "error badge: " + JSON.stringify(refused));
    const conflict = badge("Conflicting Systems", "ncc_sync_state_badge");
    expect(conflict && conflict.text.includes("Atlas: Conflict") && conflict.cls.includes("text-bg-warning"),
           "conflict badge: " + JSON.stringify(conflict));
    const published = badge("Published Systems", "ncc_atlas_state_badge");
    expect(published && published.text.includes("Published") && published.cls.includes("text-bg-success"),
           "Atlas state badge: " + JSON.stringify(published));
    expect(!badge("Published Systems", "ncc_sync_state_badge"), "a synced application shows no sync badge");
    console.log("test successful");
} catch (error) {
    console.error(error.message);
}
"""


@tagged("post_install", "-at_install")
class TestAtlasViews(RegistrationCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.officer = new_test_user(
            cls.env, login="ncc_atlas_ui_officer", groups="base.group_user,ncc_atlas_connector.group_ncc_officer"
        )
        cls.refused = cls.create_applicant(name="Refused Systems S.A.")
        cls.conflicting = cls.create_applicant(name="Conflicting Systems S.A.")
        cls.published = cls.create_applicant(name="Published Systems S.A.")
        cls.refused.with_context(ncc_atlas_write=True).write({
            "ncc_sync_state": "error", "ncc_sync_error": "The Atlas refused the registration: field_url"})
        cls.conflicting.with_context(ncc_atlas_write=True).write({
            "ncc_sync_state": "conflict", "ncc_atlas_state": "ready_for_publication"})
        cls.published.with_context(ncc_atlas_write=True).write({
            "ncc_sync_state": "synced", "ncc_atlas_state": "published"})

    def test_sync_problems_filter(self):
        search = self.env.ref("ncc_atlas_connector.view_ncc_application_search")
        arch = self.env["res.partner"].get_views([(search.id, "search")])["views"]["search"]["arch"]
        domain = etree.fromstring(arch).xpath("//filter[@name='sync_problems']")[0].get("domain")
        found = self.env["res.partner"].search(safe_eval(domain) + [("ncc_is_applicant", "=", True)])
        self.assertEqual(found & (self.refused | self.conflicting | self.published), self.refused | self.conflicting)

    def test_pipeline_cards_show_the_atlas_state(self):
        self.browser_js(
            "/odoo/action-ncc_atlas_connector.action_ncc_application",
            CHECK_BADGES,
            ready="!!document.querySelector('.o_kanban_record span[name=ncc_sync_state_badge]')",
            login="ncc_atlas_ui_officer",
        )
