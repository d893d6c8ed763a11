import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

const LINES = ".o_field_widget[name=line_ids]";
const REFUSED = "Atlas Organisation 003";

function row(title) {
    return `${LINES} .o_data_row:contains('${title}')`;
}

// A manager opens the day-one import from the menu: the preview says what the record's rules refuse, before
// anything is written; the refused registration is imported as an incomplete application.
registry.category("web_tour.tours").add("ncc_atlas_import_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the Community app",
            trigger: ".o_app[data-menu-xmlid='ncc_atlas_connector.menu_ncc_root']",
            run: "click",
        },
        {
            content: "Open the configuration menu",
            trigger: ".o_menu_sections [data-menu-xmlid='ncc_atlas_connector.menu_ncc_config']",
            run: "click",
        },
        {
            content: "Import from the Atlas: reads the Atlas and opens the preview",
            trigger: ".dropdown-menu [data-menu-xmlid='ncc_atlas_connector.menu_ncc_atlas_import']",
            run: "click",
        },
        {
            content: "The preview says nothing has been written yet",
            trigger: ".o_form_view .alert-info:contains('Nothing has been written yet')",
        },
        {
            content: "The registration the rules refuse says why, and what would be left out",
            trigger: `${row(REFUSED)} td[name=issues]:contains('is not a valid French SIREN')`,
        },
        {
            content: "It is left out until the manager decides",
            trigger: `${row(REFUSED)} td[name=action]:contains('Excluded')`,
        },
        {
            content: "The two registrations of one company both say they compete",
            trigger: `${row("Atlas Organisation 001")} td[name=note]:contains('Competes with')`,
        },
        {
            content: "Include the refused registration",
            trigger: `${row(REFUSED)} button[name=action_include]`,
            run: "click",
        },
        {
            content: "It will be imported as an incomplete application",
            trigger: `${row(REFUSED)} td[name=action]:contains('Import as incomplete')`,
        },
        {
            content: "Import",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_confirm]",
            run: "click",
        },
        {
            content: "Done",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('Done')",
        },
        {
            content: "The line says what became of it",
            trigger: `${row(REFUSED)} td[name=result]:contains('Incomplete')`,
        },
    ],
});

// Only opens the preview (and stays there, e.g. for a screenshot).
registry.category("web_tour.tours").add("ncc_atlas_import_preview_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the Community app",
            trigger: ".o_app[data-menu-xmlid='ncc_atlas_connector.menu_ncc_root']",
            run: "click",
        },
        {
            content: "Open the configuration menu",
            trigger: ".o_menu_sections [data-menu-xmlid='ncc_atlas_connector.menu_ncc_config']",
            run: "click",
        },
        {
            content: "Import from the Atlas",
            trigger: ".dropdown-menu [data-menu-xmlid='ncc_atlas_connector.menu_ncc_atlas_import']",
            run: "click",
        },
        {
            content: "The preview is there, with what the rules refuse",
            trigger: `${row(REFUSED)} td[name=issues]:contains('is not a valid French SIREN')`,
        },
    ],
});
