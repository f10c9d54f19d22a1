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
            content: "The period is a reporting year, the scope the whole perimeter",
            trigger: '.o_field_widget[name="year"] select',
        },
        {
            content: "No choice of regions or networks",
            trigger: '.o_form_view:not(:has(.o_field_widget[name="region_ids"])):not(:has(.o_field_widget[name="network_ids"]))',
        },
        {
            content: "The Excel export is offered",
            trigger: '.o_form_view button[name="action_export"]',
        },
    ],
});
