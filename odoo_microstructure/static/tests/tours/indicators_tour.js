import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("odoo_microstructure_indicators_tour", {
    url: "/odoo/microstructure-indicators",
    steps: () => [
        {
            content: "The dashboard shows the sites of the manager's region",
            trigger: '.o_field_widget[name="dashboard"] table[data-table="sites"] td:contains("Grand Est")',
        },
        {
            content: "No site of another region",
            trigger: '.o_field_widget[name="dashboard"]:not(:contains("Microstructure test B1"))',
        },
        {
            content: "The satisfaction table is there",
            trigger: '.o_field_widget[name="dashboard"] table[data-table="satisfaction"]',
        },
        {
            content: "The Excel export is offered",
            trigger: '.o_form_view button[name="action_export"]',
        },
    ],
});

registry.category("web_tour.tours").add("odoo_microstructure_indicators_pivot_tour", {
    url: "/odoo/microstructure-indicator-patients",
    steps: () => [
        {
            content: "The pivot is grouped by region, with the manager's region only",
            trigger: '.o_pivot .o_pivot_header_cell_closed:contains("Grand Est"), .o_pivot th:contains("Grand Est")',
        },
        {
            trigger: '.o_pivot:not(:contains("Occitanie"))',
        },
    ],
});
