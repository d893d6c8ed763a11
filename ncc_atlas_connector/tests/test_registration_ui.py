from odoo.tests import HttpCase, new_test_user, tagged

from .registration_common import RegistrationCase

# Runs in the page once the form is there: opens the "Community registration" tab and checks what an officer sees.
CHECK_REGISTRATION_PAGE = """
const waitFor = (find, what) => new Promise((resolve, reject) => {
    let tries = 0;
    const timer = setInterval(() => {
        const found = find();
        if (found) { clearInterval(timer); resolve(found); }
        else if (++tries > 100) { clearInterval(timer); reject(new Error("not found: " + what)); }
    }, 100);
});
const text = (selector) => (document.querySelector(selector) || {}).textContent || "";
(async () => {
    const tab = [...document.querySelectorAll(".o_notebook .nav-link")]
        .find((link) => link.textContent.includes("Community registration"));
    if (!tab) { throw new Error("no Community registration tab"); }
    tab.click();
    await waitFor(() => document.querySelector("div[name=ncc_missing_banner]"), "missing banner");
    const banner = text("div[name=ncc_missing_banner]");
    for (const expected of ["Still missing", "Declaration: Form completed"]) {
        if (!banner.includes(expected)) { throw new Error("banner lacks " + expected + ": " + banner); }
    }
    for (const title of ["Organisation", "Ownership and control", "Declarations", "Contact person", "Expertise",
                         "JRC Cybersecurity Taxonomy"]) {
        if (!document.body.textContent.includes(title)) { throw new Error("no section " + title); }
    }
    const representative = document.querySelector("div[name=ncc_representative_id] input");
    if (!representative || !representative.value.includes("Ana García López")) {
        throw new Error("contact person not shown");
    }
    if (!document.body.textContent.includes("/ 800 characters")) { throw new Error("no character counter"); }
    if (!text("div[name=ncc_thematic_area_summary]").includes("Cryptology")) {
        throw new Error("knowledge domains not grouped");
    }
    console.log("test successful");
})().catch((error) => console.error(error.message));
"""


@tagged("post_install", "-at_install")
class TestRegistrationUi(RegistrationCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.officer = new_test_user(
            cls.env, login="ncc_ui_officer", groups="base.group_user,ncc_atlas_connector.group_ncc_officer"
        )
        cls.company = cls.create_applicant(ncc_form_completed=False)

    def test_officer_sees_the_registration_page(self):
        self.browser_js(
            f"/odoo/action-ncc_atlas_connector.res_partner_registration_action/{self.company.id}",
            CHECK_REGISTRATION_PAGE,
            ready="!!document.querySelector('.o_form_view .o_notebook')",
            login="ncc_ui_officer",
        )

    def test_registrations_list_opens(self):
        self.browser_js(
            "/odoo/action-ncc_atlas_connector.res_partner_registration_action",
            "console.log('test successful')",
            ready="!!document.querySelector('.o_list_view .o_data_row')",
            login="ncc_ui_officer",
        )
