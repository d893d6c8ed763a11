import { registry } from "@web/core/registry";

// An applicant fills in the public form step by step, with two mistakes (a website without http(s)://, a
// contact email without its domain) that the form shows at their answers; corrected, the form goes out.
const step = (content, trigger, run) => ({ content, trigger, run });
const next = (from) => step(`Next step after ${from}`, `#ncc_step_${from}.active [data-ncc-step-to]:last-child`, "click");

registry.category("web_tour.tours").add("ncc_portal_registration_tour", {
    steps: () => [
        step("The form is in French", ".o_ncc_lang.fw-bold[lang=fr]"),
        step("Name in English", "#ncc_step_organisation.active #name", "edit Cryptographie Rhénane SAS"),
        step("Name in French", "#ncc_name_national", "edit Cryptographie Rhénane SAS"),
        step("Country", "#country_id", "selectByLabel Luxembourg"),
        step("Registration number", "#company_registry", "edit B998877"),
        step("Street", "#street", "edit 3 rue du Fort Thüngen"),
        step("Postcode", "#zip", "edit 1499"),
        step("City", "#city", "edit Luxembourg"),
        step("A website without its scheme (mistake 1)", "#website", "edit www.crypto-rhenane.example.eu"),
        step("General email", "#email", "edit contact@crypto-rhenane.example.eu"),
        step("Organisation type", "#ncc_cluster_type_id", "selectByLabel Industry (SME)"),
        next("organisation"),
        step("Ownership: the address is the main seat", "#ncc_step_ownership.active #ncc_is_headquarters_yes:checked"),
        next("ownership"),
        step("First name", "#ncc_step_contact.active #contact_ncc_first_name", "edit Camille"),
        step("Family name", "#contact_ncc_family_name", "edit Weber"),
        step("Position", "#contact_function", "edit Directrice technique"),
        step("A contact email without its domain (mistake 2)", "#contact_email", "edit camille.weber@"),
        next("contact"),
        step("A field of activity", "#ncc_step_expertise.active input[name=ncc_field_of_activity_ids]", "click"),
        step("Description", "#ncc_expertise_description", "edit Audits de cryptographie post-quantique."),
        step("Open a knowledge domain", "#ncc_step_expertise details summary", "click"),
        step("Tick one of its sub-domains", "#ncc_step_expertise details[open] .ms-4 input", "click"),
        next("expertise"),
        ...["ncc_privacy_notice_accepted", "ncc_data_sharing_consent", "ncc_no_exclusion",
            "ncc_member_tasks_accepted", "ncc_form_completed"].map((name) =>
            step(`Declaration ${name}`, `#ncc_step_declarations.active #${name}`, "check")),
        {
            content: "Send the application",
            trigger: "#ncc_step_declarations.active button[type=submit]",
            run: "click",
            expectUnloadPage: true,
        },
        step("Refused: nothing was saved", "#ncc_registration_errors"),
        step("The website's error is shown at the website", "#ncc_step_organisation.active [data-ncc-error=website]"),
        step("What was typed is kept", "#name:value(Cryptographie Rhénane SAS)"),
        step("Correct the website", "#website", "edit https://www.crypto-rhenane.example.eu"),
        step("The contact step is marked", "#ncc_tab_contact .badge", "click"),
        step("The email's error is shown at the email", "#ncc_step_contact.active [data-ncc-error=contact_email]"),
        step("Correct the email", "#contact_email", "edit camille.weber@crypto-rhenane.example.eu"),
        step("Go to the declarations", "#ncc_tab_declarations", "click"),
        step("The declarations are still ticked", "#ncc_step_declarations.active #ncc_form_completed:checked"),
        {
            content: "Send the application again",
            trigger: "#ncc_step_declarations.active button[type=submit]",
            run: "click",
            expectUnloadPage: true,
        },
        step("Sent: the applicant is asked to confirm by email", ".o_ncc_registration_sent"),
    ],
});

// The applicant follows the emailed link and confirms.
registry.category("web_tour.tours").add("ncc_portal_confirmation_tour", {
    steps: () => [
        {
            content: "Confirm the application",
            trigger: "form[action*='/ncc/register/confirm/'] button[type=submit]",
            run: "click",
            expectUnloadPage: true,
        },
        step("The application is received", ".o_ncc_registration_received"),
    ],
});
