import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

const APPLICANT = "Tour Cyber Labs";
const CHECKLIST = ".o_field_widget[name=ncc_check_ids]";

function checkRow(check) {
    return `${CHECKLIST} .o_data_row:contains('${check}')`;
}

// An officer opens the pipeline, works the checklist of an application and moves it on.
registry.category("web_tour.tours").add("ncc_assessment_officer_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the Community app",
            trigger: ".o_app[data-menu-xmlid='ncc_atlas_connector.menu_ncc_root']",
            run: "click",
        },
        {
            content: "The pipeline shows every stage, the empty ones too",
            trigger: ".o_kanban_renderer .o_kanban_group .o_column_title:contains('Under ECCC review')",
        },
        {
            content: "Open the application from its card",
            trigger: `.o_kanban_group:contains('Ownership, exclusion and security') .o_kanban_record:contains('${APPLICANT}')`,
            run: "click",
        },
        {
            content: "Go to the Assessment tab",
            trigger: ".o_notebook .nav-link:contains('Assessment')",
            run: "click",
        },
        {
            content: "Open the result of the exclusion check",
            trigger: `${checkRow("No exclusion situation")} td[name=result]`,
            run: "click",
        },
        {
            content: "Unfold the results",
            trigger: `${checkRow("No exclusion situation")} td[name=result] .o_select_menu_toggler`,
            run: "click",
        },
        {
            content: "The declaration is there: pass",
            trigger: ".o_select_menu_menu .o_select_menu_item:contains('Pass')",
            run: "click",
        },
        {
            content: "Note the finding",
            trigger: `${checkRow("No exclusion situation")} td[name=note] textarea`,
            run: "edit Self-declaration signed; not on the EDES list.",
        },
        {
            content: "Open the result of the security-grounds check",
            trigger: `${checkRow("National assessment on security grounds")} td[name=result]`,
            run: "click",
        },
        {
            content: "Unfold the results",
            trigger: `${checkRow("National assessment on security grounds")} td[name=result] .o_select_menu_toggler`,
            run: "click",
        },
        {
            content: "No referral was needed: not applicable",
            trigger: ".o_select_menu_menu .o_select_menu_item:contains('Not applicable')",
            run: "click",
        },
        {
            content: "Move the application to the next stage (saves the checklist first)",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_ncc_next_stage]",
            run: "click",
        },
        {
            content: "It is now in the last assessment stage",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('Expertise')",
        },
        {
            content: "Officers do not decide",
            trigger: ".o_form_view .o_statusbar_buttons:not(:has(button[name=action_ncc_approve_dialog]))",
        },
        {
            content: "They hand over to the manager",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_ncc_ready_for_decision]",
            run: "click",
        },
        {
            content: "Handed over",
            trigger: "div[name=ncc_ready_hint]:contains('Ready for decision')",
        },
    ],
});

// A manager approves it.
registry.category("web_tour.tours").add("ncc_assessment_manager_tour", {
    url: "/odoo/community-applications",
    steps: () => [
        {
            content: "Open the application waiting for a decision",
            trigger: `.o_kanban_group:contains('Expertise and contribution') .o_kanban_record:contains('${APPLICANT}')`,
            run: "click",
        },
        {
            content: "Approve it",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_ncc_approve_dialog]",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "It is approved, on its way to the ECCC",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('Approved')",
        },
        {
            content: "Revocation is now the manager's remaining decision",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_ncc_revoke]",
        },
    ],
});
