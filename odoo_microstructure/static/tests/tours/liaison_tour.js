import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("odoo_microstructure_liaison_send_tour", {
    steps: () => [
        {
            content: "Choose the patient",
            trigger: '.o_form_view .o_field_widget[name="patient_id"] input',
            run: "edit Dupont",
        },
        {
            trigger: '.o-autocomplete--dropdown-item:contains("DUPONT Marie")',
            run: "click",
        },
        {
            content: "The identity is copied from the patient file",
            trigger: '.o_field_widget[name="usage_name"] input:value("Dupont")',
        },
        {
            content: "The patient agrees",
            trigger: '.o_field_widget[name="consent"] input[data-value="yes"]',
            run: "click",
        },
        {
            content: "Reason: access to rights",
            trigger: '.o_field_widget[name="reason_rights"] input',
            run: "click",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Send the sheet to the social service",
            trigger: 'button[name="action_send"]',
            run: "click",
        },
        {
            trigger: '.o_statusbar_status button.o_arrow_button_current[data-value="sent"]',
        },
    ],
});

registry.category("web_tour.tours").add("odoo_microstructure_liaison_carsat_tour", {
    steps: () => [
        {
            content: "The social worker has booked an appointment",
            trigger: 'button[name="action_contacted"]',
            run: "click",
        },
        {
            trigger: '.o_statusbar_status button.o_arrow_button_current[data-value="contacted"]',
        },
        {
            trigger: '.o_field_widget[name="social_worker_name"] input',
            run: "edit LE GALL Sylvie",
        },
        {
            content: "The request is in scope",
            trigger: '.o_field_widget[name="in_scope"] input[data-value="yes"]',
            run: "click",
        },
        {
            content: "First interview held",
            trigger: 'button[name="action_assessed"]',
            run: "click",
        },
        {
            trigger: '.o_statusbar_status button.o_arrow_button_current[data-value="assessed"]',
        },
        {
            content: "Accompany the patient",
            trigger: 'button[name="action_accompanied"]',
            run: "click",
        },
        {
            trigger: '.o_statusbar_status button.o_arrow_button_current[data-value="accompanied"]',
        },
    ],
});
