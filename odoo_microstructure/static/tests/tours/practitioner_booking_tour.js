import { registry } from "@web/core/registry";

const firstSlot = '.o_field_widget[name="slot_ids"] .o_data_row:first-child';

registry.category("web_tour.tours").add("odoo_microstructure_practitioner_booking_tour", {
    steps: () => [
        {
            content: "Choose the patient of the first free slot",
            trigger: `${firstSlot} td[name="patient_id"]`,
            run: "click",
        },
        {
            trigger: `${firstSlot} .o_field_widget[name="patient_id"] input`,
            run: "edit Dupont",
        },
        {
            trigger: '.o-autocomplete--dropdown-item:contains("DUPONT Marie")',
            run: "click",
        },
        {
            content: "Save the permanence: the consultation is booked",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Mark the consultation as done",
            trigger: `${firstSlot} button[name="action_done"]`,
            run: "click",
        },
        {
            content: "The slot no longer offers to mark it done",
            trigger: `${firstSlot}:not(:has(button[name="action_done"])) td[name="patient_id"]:contains("DUPONT")`,
        },
    ],
});
