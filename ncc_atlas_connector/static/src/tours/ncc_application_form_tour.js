import { registry } from "@web/core/registry";

const APPLICANT = "Tour Baltic Shield";
const CHECKLIST = ".o_field_widget[name=ncc_check_ids]";
const BANNER = ".o_field_widget[name=ncc_missing_items]";
// The statusbar is not folded into one dropdown: the current stage and its next one are in sight (Odoo folds the
// farther stages into "..." when the form is narrow, as at 1440 px beside the chatter).
function inSight(current, next) {
    return [
        {
            content: `“${current}” is in sight`,
            trigger: `.o_statusbar_status button.o_arrow_button_current:not(.d-none):contains('${current}')`,
        },
        {
            content: `and so is “${next}”`,
            trigger: `.o_statusbar_status button.o_arrow_button:not(.d-none):contains('${next}')`,
        },
    ];
}

function checkRow(check) {
    return `${CHECKLIST} .o_data_row:contains('${check}')`;
}

function shoot(name, scrollTo) {
    // The test takes a screenshot on this console line (when NCC_SCREENSHOTS is set), then the tour goes on.
    return async () => {
        if (scrollTo) {
            document.querySelector(scrollTo).scrollIntoView({ block: "start" });
        }
        console.info(`ncc-shot:${name}`);
        await new Promise((resolve) => setTimeout(resolve, 1500));
    };
}

function passCheck(check, note) {
    const steps = [
        {
            content: `Open the result of “${check}”`,
            trigger: `${checkRow(check)} td[name=result]`,
            run: "click",
        },
        {
            content: "Unfold the results",
            trigger: `${checkRow(check)} td[name=result] .o_select_menu_toggler`,
            run: "click",
        },
        {
            content: "Pass",
            trigger: ".o_select_menu_menu .o_select_menu_item:contains('Pass')",
            run: "click",
        },
    ];
    if (note) {
        steps.push({
            content: "Note the finding",
            trigger: `${checkRow(check)} td[name=note] textarea`,
            run: `edit ${note}`,
        });
    }
    return steps;
}

function nextStage(stage) {
    return [
        {
            content: `Move on to “${stage}”`,
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_ncc_next_stage]",
            run: "click",
        },
        {
            content: `It is in “${stage}”`,
            trigger: `.o_statusbar_status button.o_arrow_button_current:contains('${stage}')`,
        },
    ];
}

// An officer records a new application from the pipeline, enters its contact person on the registration page and
// submits it.
registry.category("web_tour.tours").add("ncc_application_new_tour", {
    url: "/odoo/community-applications",
    steps: () => [
        {
            content: "A new application",
            trigger: ".o_control_panel_main_buttons button.o-kanban-button-new",
            run: "click",
        },
        {
            content: "Its name",
            trigger: ".o_form_view .o_field_widget[name=name] input",
            run: `edit ${APPLICANT}`,
        },
        {
            content: "Not submitted yet: a draft",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('Draft')",
        },
        {
            content: "Open the registration page",
            trigger: ".o_notebook .nav-link:contains('Community registration')",
            run: "click",
        },
        {
            content: "The banner asks for the contact person",
            trigger: `${BANNER}:contains('Contact person')`,
        },
        {
            content: "First name",
            trigger: ".o_field_widget[name=ncc_representative_first_name] input",
            run: "edit Ilze",
        },
        {
            content: "Family name",
            trigger: ".o_field_widget[name=ncc_representative_family_name] input",
            run: "edit Bērziņa",
        },
        {
            content: "Position",
            trigger: ".o_field_widget[name=ncc_representative_function] input",
            run: "edit Head of security operations",
        },
        {
            content: "Email",
            trigger: ".o_field_widget[name=ncc_representative_email] input",
            run: "edit ilze.berzina@balticshield.example.eu",
        },
        {
            content: "Direct phone",
            trigger: ".o_field_widget[name=ncc_representative_phone] input",
            run: "edit +371 2000 0001",
        },
        {
            content: "Before the save, the banner no longer asks for the contact person",
            trigger: `${BANNER}:not(:contains('Contact person'))`,
            run: shoot("form_registration_contact_person", "div[name=ncc_contact_person_not_public]"),
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved",
            trigger: ".o_form_view .o_form_saved",
        },
        {
            content: "Go to the Assessment tab",
            trigger: ".o_notebook .nav-link:contains('Assessment')",
            run: "click",
        },
        {
            content: "The checklist is announced for the submission",
            trigger: "div[name=ncc_draft_hint]:contains('The checklist appears when the application is submitted')",
            run: shoot("form_draft"),
        },
        {
            content: "Submit it",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_ncc_submit]",
            run: "click",
        },
        {
            content: "It is submitted",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('Submitted')",
        },
        {
            content: "Its checklist is open",
            trigger: `${checkRow("Established in this Member State")}`,
        },
    ],
});

// The same officer works the checklist, moves the application through the stages and hands it over.
registry.category("web_tour.tours").add("ncc_application_assessment_tour", {
    url: "/odoo/community-applications",
    steps: () => [
        {
            content: "Open the application from its card",
            trigger: `.o_kanban_group:contains('Completeness check') .o_kanban_record:contains('${APPLICANT}')`,
            run: "click",
        },
        ...inSight("Completeness", "Eligibility"),
        {
            content: "Two buttons leave the statusbar its room",
            trigger: ".o_form_view .o_statusbar_buttons:not(:has(button[name=action_ncc_refer_security]))",
            run: shoot("form_header_officer"),
        },
        {
            content: "Try to move on with checks of this stage still pending",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_ncc_next_stage]",
            run: "click",
        },
        {
            content: "The gate names what is pending",
            trigger: ".modal:contains('still has checks of'):contains('Size class recorded')",
        },
        {
            content: "Close the message",
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "Go to the Assessment tab",
            trigger: "body:not(:has(.modal)) .o_notebook .nav-link:contains('Assessment')",
            run: "click",
        },
        ...passCheck("Art. 9 member tasks accepted", "Accepted on the form, dated."),
        ...passCheck("Size class recorded", "Small: 32 staff, turnover €4.1m (2025 accounts)."),
        {
            content: "Every check in full, grouped by stage, with its note",
            trigger: `${checkRow("Size class recorded")}:contains('Completeness')`,
            run: shoot("form_checklist", "div[name=ncc_assessment_actions]"),
        },
        ...nextStage("Eligibility"),
        ...nextStage("Ownership"),
        ...nextStage("Expertise"),
        {
            content: "Officers do not decide",
            trigger: ".o_form_view .o_statusbar_buttons:not(:has(button[name=action_ncc_approve_dialog]))",
        },
        {
            content: "Hand it over",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_ncc_ready_for_decision]",
            run: "click",
        },
        {
            content: "It waits for a manager's decision",
            trigger: "div[name=ncc_ready_hint]:contains('Ready for decision')",
        },
        {
            content: "No second hand-off",
            trigger: ".o_form_view .o_statusbar_buttons:not(:has(button[name=action_ncc_ready_for_decision]))",
        },
    ],
});

// A manager finds it ready and approves it.
registry.category("web_tour.tours").add("ncc_application_decision_tour", {
    url: "/odoo/community-applications",
    steps: () => [
        {
            content: "Open the application waiting for a decision",
            trigger: `.o_kanban_group:contains('Expertise and contribution') .o_kanban_record:contains('${APPLICANT}')`,
            run: "click",
        },
        // The ECCC side is folded, as in the kanban: the stages before it stay in sight.
        ...inSight("Expertise", "Ownership"),
        {
            content: "Approve, Request information, Reject",
            trigger: ".o_form_view .o_statusbar_buttons:has(button[name=action_ncc_reject])",
            run: shoot("form_header_manager"),
        },
        {
            content: "Approve it",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_ncc_approve_dialog]",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal:contains('Every required check is passed') .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "It is approved, on its way to the ECCC",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('Approved')",
        },
    ],
});
