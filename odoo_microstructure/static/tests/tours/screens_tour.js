import { registry } from "@web/core/registry";

const column = (title) => `.o_kanban_group:has(.o_column_title:contains("${title}"))`;

// a step dragging Dupont's card from one column of the funnel to another
const dragCard = (content, from, to) => ({
    content,
    trigger: `${column(from)} .o_kanban_record:contains("Dupont")`,
    async run(helpers) {
        await helpers.drag_and_drop(column(to), {
            position: { top: 80, left: 40 },
            relative: true,
        });
    },
});

registry.category("web_tour.tours").add("odoo_microstructure_patient_file_tour", {
    steps: () => [
        {
            content: "The patient file counts no consultation yet",
            trigger: 'button[name="action_view_consultations"] .o_stat_value:contains("0")',
        },
        {
            content: "Book a slot from the patient file",
            trigger: 'button[name="action_book_slot"]',
            run: "click",
        },
        {
            content: "One click on a free slot books it",
            trigger: '.o_list_view .o_data_row:first-child button[name="action_book_context_patient"]',
            run: "click",
        },
        {
            trigger: '.o_notification:contains("DUPONT")',
        },
        {
            content: "Back to the patient file",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains(\"DUPONT\")",
            run: "click",
        },
        {
            content: "The consultation booked is counted",
            trigger: 'button[name="action_view_consultations"] .o_stat_value:contains("1")',
        },
        {
            content: "Start a liaison sheet from the patient file",
            trigger: 'button[name="action_new_liaison"]',
            run: "click",
        },
        {
            content: "The sheet is for this patient, the identity copied",
            trigger: '.o_field_widget[name="usage_name"] input:value("Dupont")',
        },
        {
            trigger: '.o_field_widget[name="consent"] input[data-value="yes"]',
            run: "click",
        },
        {
            trigger: '.o_field_widget[name="reason_rights"] input',
            run: "click",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_saved",
        },
        {
            trigger: ".o_breadcrumb .breadcrumb-item a:contains(\"DUPONT\")",
            run: "click",
        },
        {
            content: "The sheet is counted on the patient file",
            trigger: 'button[name="action_view_liaisons"] .o_stat_value:contains("1")',
        },
    ],
});

registry.category("web_tour.tours").add("odoo_microstructure_carsat_board_tour", {
    steps: () => [
        {
            content: "The social service works from the sent sheets on",
            trigger: `.o_kanban_renderer:not(:has(${column("Repérage")}))`,
        },
        {
            content: "The cards can be dragged",
            trigger: `${column("Envoyée")} .o_kanban_record.o_draggable:contains("Dupont")`,
        },
        dragCard("Drag the sheet to 'Prise de contact'", "Envoyée", "Prise de contact"),
        {
            trigger: `${column("Prise de contact")} .o_kanban_record:contains("Dupont")`,
        },
        dragCard("An illegal move is refused with a clear message", "Prise de contact", "Accompagnement"),
        {
            trigger: '.modal:contains("ne peut pas passer de")',
        },
        {
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The sheet stays where it was",
            trigger: `body:not(:has(.modal)) ${column("Prise de contact")} .o_kanban_record:contains("Dupont")`,
        },
    ],
});

registry.category("web_tour.tours").add("odoo_microstructure_slot_calendar_tour", {
    steps: () => [
        {
            content: "Book a slot from the patient file",
            trigger: 'button[name="action_book_slot"]',
            run: "click",
        },
        {
            content: "See the free slots in the calendar",
            trigger: ".o_switch_view.o_calendar",
            run: "click",
        },
        {
            content: "Open a free slot",
            trigger: '.o_calendar_view .fc-event:contains("Créneau libre")',
            run: "click",
        },
        {
            content: "One click books it",
            trigger: ".o_cw_popover .o_microstructure_book",
            run: "click",
        },
        {
            trigger: '.o_notification:contains("DUPONT")',
        },
        {
            content: "The slot booked leaves the free slots",
            trigger: ".o_calendar_view:not(:has(.o_cw_popover))",
        },
    ],
});
