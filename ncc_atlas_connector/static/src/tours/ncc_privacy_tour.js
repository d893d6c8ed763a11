import { registry } from "@web/core/registry";

// A manager reads what is public on the Atlas, then erases the contact person's data on the applicant's request.
registry.category("web_tour.tours").add("ncc_privacy_erasure_tour", {
    steps: () => [
        {
            content: "Go to the Community registration tab",
            trigger: ".o_notebook .nav-link:contains('Community registration')",
            run: "click",
        },
        {
            content: "The form says what the Atlas makes public",
            trigger: "[name=ncc_public_fields_note]:contains('name, country, website')",
        },
        {
            content: "The contact person is there",
            trigger: ".o_field_widget[name=ncc_representative_email] input",
        },
        {
            content: "Erase the personal data on request",
            trigger: "button[name=action_ncc_privacy_erase]",
            run: "click",
        },
        {
            content: "Confirm the erasure",
            trigger: ".modal-dialog:contains('cannot be undone') .modal-footer .btn-primary",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The erasure is logged in the chatter",
            trigger: ".o-mail-Message:contains('erased on request')",
        },
        {
            content: "The emails kept in the chatter no longer name the person",
            trigger: ".o-mail-Message:contains('Dear [erased],')",
        },
        {
            content: "The application is withdrawn",
            trigger: ".o_statusbar_status:contains('Rejected')",
        },
    ],
});
