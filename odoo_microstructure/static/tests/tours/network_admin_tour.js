import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

registry.category("web_tour.tours").add("odoo_microstructure_network_admin_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the Microstructures app",
            trigger: '.o_app[data-menu-xmlid="odoo_microstructure.odoo_microstructure_menu_root"]',
            run: "click",
        },
        {
            content: "The sites kanban is grouped by network",
            trigger: '.o_kanban_view .o_kanban_group .o_column_title:contains("Réseau test A")',
        },
        {
            content: "Sites of another network are not shown",
            trigger: ".o_kanban_view:not(:has(.o_kanban_record:contains('Microstructure test B1')))",
        },
        {
            content: "Open a site",
            trigger: '.o_kanban_record:contains("Microstructure test A1")',
            run: "click",
        },
        {
            content: "The site form shows its network and care team",
            trigger: '.o_form_view .o_field_widget[name="network_id"] input:value("Réseau test A")',
        },
        {
            trigger: '.o_form_view .o_field_widget[name="membership_ids"] .o_data_row:contains("Dr Claire Martin")',
        },
        {
            trigger: '.o_form_view .o_field_widget[name="polyvalent"] input:checked',
        },
    ],
});
