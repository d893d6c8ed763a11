import { registry } from "@web/core/registry";
import { StatusBarField, statusBarField } from "@web/views/fields/statusbar/statusbar_field";

// The pipeline's statusbar on the application form, labelled with the stages' short names: beside the header's
// buttons and the chatter, the full names ("Ownership, exclusion and security") folded the bar into a dropdown.
export class NccStageStatusBarField extends StatusBarField {
    getFieldNames(props) {
        return [...super.getFieldNames(props), "short_name"];
    }

    getAllItems() {
        const stages = Object.fromEntries((this.specialData.data || []).map((stage) => [stage.id, stage]));
        return super.getAllItems().map((item) => ({
            ...item,
            label: stages[item.value]?.short_name || item.label,
        }));
    }
}

registry.category("fields").add("ncc_stage_statusbar", {
    ...statusBarField,
    component: NccStageStatusBarField,
});
