import { registry } from "@web/core/registry";

// The applicant's whole journey, in French: it chains the registration and confirmation tours with these. Their
// checks read markers (data-status, classes, what was typed), not words, so they hold in any language.

// The representative follows the signup link of its portal invitation and chooses its password (the login).
registry.category("web_tour.tours").add("ncc_portal_signup_tour", {
    steps: () => [
        {
            content: "Choose a password",
            trigger: "form.oe_signup_form #password",
            run() {
                const login = document.querySelector("form.oe_signup_form input[name=login]").value;
                this.anchor.value = login;
                document.querySelector("form.oe_signup_form #confirm_password").value = login;
            },
        },
        {
            content: "Set it up",
            trigger: "form.oe_signup_form button[type=submit]",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The portal's home lists the application",
            trigger: ".o_portal_index_card a[href='/my/ncc/application']",
        },
    ],
});

// The applicant reads on its status page that it is a member of the Community.
registry.category("web_tour.tours").add("ncc_portal_member_tour", {
    steps: () => [
        {
            content: "The status page says member",
            trigger: ".o_ncc_status[data-status=member]",
        },
    ],
});

// The officer asks the applicant for information from the application's form (as ncc_portal_request_information_tour,
// checking the chatter for the request's own words: the email's subject is in the applicant's language).
registry.category("web_tour.tours").add("ncc_portal_journey_request_tour", {
    steps: () => [
        {
            content: "Request information",
            trigger: "button[name=action_ncc_request_information]",
            run: "click",
        },
        {
            content: "Say what is needed",
            trigger: ".modal .o_field_widget[name=text] textarea:not(:disabled)",
            run: "edit Un extrait du registre de commerce de moins de trois mois.",
        },
        {
            content: "Send the request",
            trigger: ".modal-footer button.btn-primary",
            run: "click",
        },
        {
            content: "The request's email is in the chatter",
            trigger: ".o-mail-Message:contains('registre de commerce')",
        },
    ],
});

// The applicant answers on its status page, corrects its city and resubmits (as ncc_portal_answer_tour).
registry.category("web_tour.tours").add("ncc_portal_journey_answer_tour", {
    steps: () => [
        {
            content: "The status page says information is requested",
            trigger: ".o_ncc_status[data-status=information]",
        },
        {
            content: "It shows what the NCC asks",
            trigger: ".o_ncc_request:contains('registre de commerce')",
        },
        {
            content: "Write the answer",
            trigger: "#ncc_answer_body",
            run: "edit Voici l'extrait du registre, daté de la semaine dernière.",
        },
        {
            content: "Send the answer",
            trigger: ".o_ncc_send_answer",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The answer is sent",
            trigger: ".o_ncc_notice",
        },
        {
            content: "It is among the messages",
            trigger: ".o_ncc_message:contains('semaine dernière')",
        },
        {
            content: "Correct the city",
            trigger: "#ncc_city",
            run: "edit Esch-sur-Alzette",
        },
        {
            content: "Save the corrections",
            trigger: ".o_ncc_save_corrections",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The corrections are saved",
            trigger: ".o_ncc_notice",
        },
        {
            content: "The page shows the corrected city",
            trigger: "#ncc_city:value(Esch-sur-Alzette)",
        },
        {
            content: "Resubmit the application",
            trigger: ".o_ncc_resubmit",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The assessment continues",
            trigger: ".o_ncc_status[data-status=assessed]",
        },
        {
            content: "Nothing more to answer",
            trigger: ".o_ncc_application:not(:has(.o_ncc_answer_form))",
        },
    ],
});
