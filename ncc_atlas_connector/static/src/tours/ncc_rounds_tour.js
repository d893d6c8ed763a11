import { registry } from "@web/core/registry";

const REASONS = "Not established in Luxembourg: the register extract shows its seat in Metz.";
const DECISIONS = ".o_field_widget[name=ncc_decision_ids]";
const ROUNDS = ".o_field_widget[name=ncc_round_ids]";

function current(stage) {
    return `.o_statusbar_status button.o_arrow_button_current:contains('${stage}')`;
}

// A manager rejects an application with its reasons, and the company applies again: a new round, submitted.
registry.category("web_tour.tours").add("ncc_rounds_reject_tour", {
    steps: () => [
        {
            content: "Reject the application",
            trigger: ".o_form_view button[name=action_ncc_reject]",
            run: "click",
        },
        {
            content: "Give the reasons the applicant receives",
            trigger: ".modal .o_field_widget[name=text] textarea",
            run: `edit ${REASONS}`,
        },
        {
            content: "Reject",
            trigger: ".modal .modal-footer button[name=action_confirm]:contains('Reject')",
            run: "click",
        },
        {
            content: "The application is rejected",
            trigger: current("Rejected"),
        },
        {
            content: "The company applies again: start a new round",
            trigger: ".o_form_view button[name=action_ncc_new_round]",
            run: "click",
        },
        {
            content: "Confirm the new round",
            trigger: ".modal-dialog:contains('this round stays on record') .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The new round starts as a draft, until it is submitted",
            trigger: current("Draft"),
        },
        {
            content: "Submit the new application",
            trigger: ".o_form_view button[name=action_ncc_submit]",
            run: "click",
        },
        {
            content: "It is submitted",
            trigger: ".o_form_view:not(:has(button[name=action_ncc_submit]))",
        },
        {
            content: "in the first stage",
            trigger: current("Submitted"),
        },
    ],
});

// The new round assessed, the manager approves it; both rounds and both decisions are read on the form.
registry.category("web_tour.tours").add("ncc_rounds_approve_tour", {
    steps: () => [
        {
            content: "Approve the new round",
            trigger: ".o_form_view button[name=action_ncc_approve_dialog]",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal:contains('Every required check is passed') .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The application is approved (its stage, however the header lays it out)",
            trigger: ".o_statusbar_status:has(.o_arrow_button_current:contains('Approved'))",
        },
        {
            content: "Go to the Assessment tab",
            trigger: ".o_notebook .nav-link:contains('Assessment')",
            run: "click",
        },
        {
            content: "The current decision is the approval",
            trigger: ".o_field_widget[name=ncc_decision]:contains('Approved')",
        },
        {
            content: "The approval of round 2 is listed",
            trigger: `${DECISIONS} .o_data_row:contains('Approved'):has(td[name=round_number]:contains('2'))`,
        },
        {
            content: "The rejection of round 1 is kept, with its reasons",
            trigger: `${DECISIONS} .o_data_row:contains('Rejected'):contains('seat in Metz'):has(td[name=round_number]:contains('1'))`,
        },
        {
            content: "Both rounds are listed",
            trigger: `${ROUNDS} .o_data_row:contains('Rejected') ~ .o_data_row, ${ROUNDS} .o_data_row ~ .o_data_row:contains('Rejected')`,
        },
        {
            content: "Open the rejection",
            trigger: `${DECISIONS} .o_data_row:contains('Rejected') td[name=reason]`,
            run: "click",
        },
        {
            content: "It reads as taken: the reasons",
            trigger: ".modal .o_field_widget[name=reason]:contains('seat in Metz')",
        },
        {
            content: "and the checklist as it stood",
            trigger: ".modal .o_field_widget[name=check_ids] .o_data_row",
        },
        {
            content: "Close it",
            trigger: ".modal .modal-header .btn-close",
            run: "click",
        },
        {
            content: "Open the first round",
            trigger: `${ROUNDS} .o_data_row:contains('Rejected') td[name=number]`,
            run: "click",
        },
        {
            content: "Its decision is there, with its reasons",
            trigger: ".modal .o_field_widget[name=decision_ids] .o_data_row:contains('seat in Metz')",
        },
        {
            content: "Close it",
            trigger: ".modal .modal-header .btn-close",
            run: "click",
        },
        {
            content: "Back on the application",
            trigger: "body:not(:has(.modal))",
        },
    ],
});
