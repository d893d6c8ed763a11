import { registry } from "@web/core/registry";

// A manager opens the Atlas status panel and clicks through to the applications whose sync is in error.
registry.category("web_tour.tours").add("ncc_atlas_status_tour", {
    url: "/odoo/atlas-status",
    steps: () => [
        {
            content: "The panel says what it is",
            trigger: ".o_form_view .oe_title h1:contains('Atlas status')",
        },
        {
            content: "It tells whether the Atlas answers",
            trigger: ".o_form_view .o_field_widget[name=connection_state]",
        },
        {
            content: "The scheduled jobs are listed",
            trigger: ".o_form_view .o_ncc_status_jobs td:contains('Atlas: send registrations')",
        },
        {
            content: "One application waits to be sent",
            trigger: ".o_form_view button[name=action_open_pending] .o_stat_value:contains('1')",
        },
        {
            content: "Open the applications in error",
            trigger: ".o_form_view button[name=action_open_error]:has(.o_stat_value:contains('1'))",
            run: "click",
        },
        {
            content: "The list shows the application in error",
            trigger: ".o_list_view .o_data_row:contains('Tour Broken Labs')",
        },
        {
            content: "and only it",
            trigger: ".o_list_view:not(:has(.o_data_row:contains('Tour Waiting Labs')))",
        },
        {
            content: "The breadcrumb names the list",
            trigger: ".o_breadcrumb:contains('Atlas sync in error')",
        },
    ],
});
