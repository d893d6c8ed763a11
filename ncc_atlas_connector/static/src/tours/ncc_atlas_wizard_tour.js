import { registry } from "@web/core/registry";

const DIALOG = ".modal:has(.o_form_view)";

function openResolve(company, column) {
    return [
        {
            content: `Unfold the ${column} column (the ECCC's side of the pipeline is folded)`,
            trigger: `.o_kanban_group.o_column_folded .o_column_title:contains('${column}')`,
            run: "click",
        },
        {
            content: `Open ${company} from the pipeline`,
            trigger: `.o_kanban_group:contains('${column}') .o_kanban_record:contains('${company}')`,
            run: "click",
        },
        {
            content: "Go to the Atlas tab",
            trigger: ".o_form_view .o_notebook .nav-link:contains('Atlas')",
            run: "click",
        },
        {
            content: "The registration waits for a person: resolve it",
            trigger: ".o_form_view .alert-warning button[name=action_ncc_resolve]",
            run: "click",
        },
    ];
}

// An officer picks, among two Atlas registrations matching a company, the one that is this company.
registry.category("web_tour.tours").add("ncc_atlas_link_wizard_tour", {
    url: "/odoo/community-applications",
    steps: () => [
        ...openResolve("Tour Choice Labs", "Approved"),
        {
            content: "The window says what it is for",
            trigger: `${DIALOG} .modal-title:contains('Which Atlas registration is Tour Choice Labs?')`,
        },
        {
            content: "The company as registered here comes first",
            trigger: `${DIALOG} .o_data_row:first:contains('This company, as registered here'):contains('Tour Choice Labs')`,
        },
        {
            content: "The old registration shows what tells it apart",
            trigger: `${DIALOG} .o_data_row:contains('Kirchberg Secure (old)'):contains('https://old.kirchberg.example.eu'):contains('Name in English: Kirchberg Secure (old)')`,
        },
        {
            content: "The right registration differs in nothing",
            trigger: `${DIALOG} .o_data_row:contains('Tour Choice Labs'):contains('Nothing') td[name=chosen]`,
            run: "click",
        },
        {
            content: "Switch it on: this one is the company",
            trigger: `${DIALOG} .o_data_row:contains('Nothing') td[name=chosen] .o_boolean_toggle input`,
            run: "click",
        },
        {
            content: "It is switched on",
            trigger: `${DIALOG} .o_data_row:contains('Nothing') td[name=chosen] .o_boolean_toggle input:checked`,
        },
        {
            content: "Link it",
            trigger: `${DIALOG} .modal-footer button[name=action_link]`,
            run: "click",
        },
        {
            content: "Linked: the registration is on its way to the Atlas",
            trigger: "body:not(:has(.modal)) .o_form_view .o_field_widget[name=ncc_sync_state]:contains('Pending')",
        },
    ],
});

// An officer settles a conflict field by field: the phone from the Atlas, the goals kept here.
registry.category("web_tour.tours").add("ncc_atlas_conflict_wizard_tour", {
    url: "/odoo/community-applications",
    steps: () => [
        ...openResolve("Tour Conflict Labs", "Under ECCC review"),
        {
            content: "The window says what it is for",
            trigger: `${DIALOG} .modal-title:contains('Tour Conflict Labs: differences with the Atlas')`,
        },
        {
            content: "The phone, changed on both sides, is shown side by side",
            trigger: `${DIALOG} .o_data_row:contains('Phone number'):contains('+352 2 HERE'):contains('+352 1 ATLAS'):contains('Both sides')`,
        },
        {
            content: "The goals, changed only on the Atlas, are shown side by side",
            trigger: `${DIALOG} .o_data_row:contains('Goals to achieve'):contains('Partners for research projects.'):contains('Goals edited on the Atlas')`,
        },
        {
            content: "Decide on the phone",
            trigger: `${DIALOG} .o_data_row:contains('Phone number') td[name=choice]`,
            run: "click",
        },
        {
            content: "Take the Atlas's phone",
            trigger: `${DIALOG} .o_data_row:contains('Phone number') td[name=choice] input[data-value=remote]:enabled`,
            run: "click",
        },
        {
            content: "Decide on the goals",
            trigger: `${DIALOG} .o_data_row:contains('Goals to achieve') td[name=choice]`,
            run: "click",
        },
        {
            content: "Keep the goals written here",
            trigger: `${DIALOG} .o_data_row:contains('Goals to achieve') td[name=choice] input[data-value=local]:enabled`,
            run: "click",
        },
        {
            content: "Apply the decisions",
            trigger: `${DIALOG} .modal-footer button[name=action_apply]`,
            run: "click",
        },
        {
            content: "Settled: what was kept here is on its way to the Atlas",
            trigger: "body:not(:has(.modal)) .o_form_view .o_field_widget[name=ncc_sync_state]:contains('Pending')",
        },
    ],
});

// The Atlas cannot be reached when an officer resolves: words, no traceback, nothing changed.
registry.category("web_tour.tours").add("ncc_atlas_wizard_down_tour", {
    url: "/odoo/community-applications",
    steps: () => [
        ...openResolve("Tour Down Labs", "Approved"),
        {
            content: "The officer is told what happened, in words",
            trigger: ".modal:has(p.text-prewrap:contains('The Atlas could not be reached for Tour Down Labs')):not(:has(.o_error_detail, button.btn-link))",
        },
        {
            content: "Close the message",
            trigger: ".modal .modal-footer .o-default-button",
            run: "click",
        },
        {
            content: "Nothing changed: the choice still waits",
            trigger: "body:not(:has(.modal)) .o_form_view .o_field_widget[name=ncc_sync_state]:contains('Needs a choice')",
        },
    ],
});
