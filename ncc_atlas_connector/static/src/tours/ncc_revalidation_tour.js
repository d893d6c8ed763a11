import { registry } from "@web/core/registry";

const MEMBER = "Tour Revalidated Member";
const CHECKLIST = ".o_field_widget[name=ncc_revalidation_check_ids]";

function shoot(name, scrollTo) {
    // The test takes a screenshot on this console line (when NCC_SCREENSHOTS is set), then the tour goes on.
    return async () => {
        if (scrollTo) {
            document.querySelector(scrollTo).scrollIntoView({ block: "center" });
        }
        console.info(`ncc-shot:${name}`);
        await new Promise((resolve) => setTimeout(resolve, 1500));
    };
}

// An officer finds the members due for re-validation, works the re-validation checklist and records it as passed.
registry.category("web_tour.tours").add("ncc_revalidation_tour", {
    url: "/odoo/community-applications",
    steps: () => [
        {
            content: "Open the filters",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Keep the members due for re-validation",
            trigger: ".o_filter_menu .o-dropdown-item:contains('Re-validation due')",
            run: "click",
        },
        {
            content: "Close the filters",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Show the list",
            trigger: ".o_switch_view.o_list",
            run: "click",
        },
        {
            content: "The member due is listed",
            trigger: `.o_list_view .o_data_row:contains('${MEMBER}')`,
            run: shoot("revalidation_pipeline"),
        },
        {
            content: "Open it",
            trigger: `.o_list_view .o_data_row:contains('${MEMBER}') td.o_data_cell[name=name]`,
            run: "click",
        },
        {
            content: "Go to the Assessment tab",
            trigger: ".o_notebook .nav-link:contains('Assessment')",
            run: "click",
        },
        {
            content: "The re-validation checklist is there",
            trigger: `${CHECKLIST} .o_data_row:contains('Contact person still valid')`,
            run: shoot("revalidation_form", CHECKLIST),
        },
        {
            content: "Open the result of the contact person check",
            trigger: `${CHECKLIST} .o_data_row:contains('Contact person still valid') td[name=result]`,
            run: "click",
        },
        {
            content: "Unfold the results",
            trigger: `${CHECKLIST} .o_data_row:contains('Contact person still valid') td[name=result] .o_select_menu_toggler`,
            run: "click",
        },
        {
            content: "The representative answered: pass",
            trigger: ".o_select_menu_menu .o_select_menu_item:contains('Pass')",
            run: "click",
        },
        {
            content: "Record the re-validation as passed (saves the checklist first)",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_ncc_revalidation_pass]",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "Passed: the button is gone, the date has moved on",
            trigger: ".o_form_view:not(:has(button[name=action_ncc_revalidation_pass])) .o_field_widget[name=ncc_revalidated_date]:not(:empty)",
            run: shoot("revalidation_passed"),
        },
    ],
});
