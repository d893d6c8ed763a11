import { registry } from "@web/core/registry";

const REFERRALS = ".o_field_widget[name=ncc_security_referral_ids]";

// The officer refers an application to the competent authority from its form, and finds the referral on the
// Assessment tab.
registry.category("web_tour.tours").add("ncc_security_referral_tour", {
    steps: () => [
        {
            content: "Go to the Assessment tab, where the referral is made",
            trigger: ".o_notebook .nav-link:contains('Assessment')",
            run: "click",
        },
        {
            content: "Refer the application",
            trigger: ".o_form_view button[name=action_ncc_refer_security]",
            run: "click",
        },
        {
            content: "The authority of the settings is proposed",
            trigger: ".modal .o_field_widget[name=authority_id] input:value('National Cybersecurity Authority')",
        },
        {
            content: "Give the referral its reference",
            trigger: ".modal .o_field_widget[name=reference] input",
            run: "edit SEC-TOUR-1",
        },
        {
            content: "Say what is asked",
            trigger: ".modal .o_field_widget[name=request_note] textarea",
            run: "edit Majority shares held by a parent company outside the EU.",
        },
        {
            content: "Save the referral",
            trigger: ".modal .modal-footer button:contains('Save')",
            run: "click",
        },
        {
            content: "Go to the Assessment tab",
            trigger: "body:not(:has(.modal)) .o_notebook .nav-link:contains('Assessment')",
            run: "click",
        },
        {
            content: "The referral is listed, awaiting the answer",
            trigger: `${REFERRALS} .o_data_row:contains('SEC-TOUR-1'):contains('Awaiting the answer')`,
        },
        {
            content: "Open it to record the outcome",
            trigger: `${REFERRALS} .o_data_row:contains('SEC-TOUR-1') button[name=action_ncc_open]`,
            run: "click",
        },
        {
            content: "The outcome can be recorded",
            trigger: ".modal .o_field_widget[name=outcome] input[data-value=no_objection]",
        },
        {
            content: "Close it",
            trigger: ".modal .modal-footer button:contains('Discard')",
            run: "click",
        },
        {
            content: "Back on the application",
            trigger: `body:not(:has(.modal)) ${REFERRALS}`,
        },
    ],
});

// Another officer works the same application and sees no referral.
registry.category("web_tour.tours").add("ncc_security_referral_hidden_tour", {
    steps: () => [
        {
            content: "Go to the Assessment tab",
            trigger: ".o_notebook .nav-link:contains('Assessment')",
            run: "click",
        },
        {
            content: "The checklist is there, the referral section is not",
            trigger: `.o_notebook:has(.o_field_widget[name=ncc_check_ids]):not(:has(${REFERRALS}))`,
        },
    ],
});
