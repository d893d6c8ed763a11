import { registry } from "@web/core/registry";

// An officer asks the applicant for information from the application's form.
registry.category("web_tour.tours").add("ncc_portal_request_information_tour", {
    steps: () => [
        {
            content: "Request information",
            trigger: "button[name=action_ncc_request_information]",
            run: "click",
        },
        {
            content: "Say what is needed",
            trigger: ".modal .o_field_widget[name=text] textarea:not(:disabled)",
            run: "edit An extract of the company register, not older than three months.",
        },
        {
            content: "Send the request",
            trigger: ".modal-footer button:contains('Send')",
            run: "click",
        },
        {
            content: "The request's email is in the chatter",
            trigger: ".o-mail-Message:contains('information needed')",
        },
    ],
});

// The applicant answers on its status page with a document, corrects a field and resubmits.
registry.category("web_tour.tours").add("ncc_portal_answer_tour", {
    steps: () => [
        {
            content: "The status page says information is requested",
            trigger: ".o_ncc_status:contains('Information requested')",
        },
        {
            content: "It shows what the NCC asks",
            trigger: ".o_ncc_request:contains('company register')",
        },
        {
            content: "Write the answer",
            trigger: "#ncc_answer_body",
            run: "edit Here is the extract of the register, dated last week.",
        },
        {
            content: "Attach the extract",
            trigger: "#ncc_answer_files",
            run() {
                const files = new DataTransfer();
                files.items.add(new File(["%PDF-1.4 register extract"], "register-extract.pdf",
                    { type: "application/pdf" }));
                this.anchor.files = files.files;
            },
        },
        {
            content: "Send the answer",
            trigger: ".o_ncc_send_answer",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The answer is sent",
            trigger: ".o_ncc_notice:contains('Your answer was sent')",
        },
        {
            content: "It is among the messages, with its document",
            trigger: ".o_ncc_message:contains('dated last week') .o_ncc_attachment:contains('register-extract.pdf')",
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
            trigger: ".o_ncc_notice:contains('corrections are saved')",
        },
        {
            content: "Resubmit the application",
            trigger: ".o_ncc_resubmit",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The assessment continues",
            trigger: ".o_ncc_status:contains('Being assessed')",
        },
        {
            content: "Nothing more to answer",
            trigger: ".o_ncc_application:not(:has(.o_ncc_answer_form))",
        },
    ],
});

// The applicant withdraws its application, with its reason.
registry.category("web_tour.tours").add("ncc_portal_withdrawal_tour", {
    steps: () => [
        {
            content: "The /my home has the application",
            trigger: ".o_portal_index_card a[href='/my/ncc/application']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Say why",
            trigger: "#ncc_withdraw_reason",
            run: "edit We merged with another member.",
        },
        {
            content: "Withdraw",
            trigger: ".o_ncc_withdraw",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The application is withdrawn",
            trigger: ".o_ncc_status:contains('Withdrawn')",
        },
        {
            content: "With the reason given",
            trigger: ".o_ncc_reasons:contains('We merged with another member.')",
        },
    ],
});
