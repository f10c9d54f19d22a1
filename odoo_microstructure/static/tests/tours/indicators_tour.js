import { download } from "@web/core/network/download";
import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

const PAGE = ".o_action.o_microstructure_indicators";
const APP = '.o_app[data-menu-xmlid="odoo_microstructure.odoo_microstructure_menu_root"]';
const REPORTING = '[data-menu-xmlid="odoo_microstructure.microstructure_reporting_menu"]';
const INDICATORS = '[data-menu-xmlid="odoo_microstructure.microstructure_indicator_export_menu"]';

/**
 * Clicks the export button and waits for the browser to have received the
 * workbook; its file name goes on the page for the next step to check.
 */
async function exportWorkbook(helpers) {
    const original = download._download;
    let received;
    const done = new Promise((resolve) => (received = resolve));
    download._download = async (options) => {
        const filename = await original(options);
        received(filename);
        return filename;
    };
    try {
        await helpers.click();
        document.body.dataset.microstructureWorkbook = String(await done);
    } catch (error) {
        document.body.dataset.microstructureWorkbook = `error ${error}`;
        throw error;
    } finally {
        download._download = original;
    }
}

registry.category("web_tour.tours").add("odoo_microstructure_indicators_tour", {
    url: "/odoo/microstructure-indicators",
    steps: () => [
        {
            content: "The dashboard shows the sites of the manager's region",
            trigger: `${PAGE} [data-table="sites"] td:contains("Grand Est")`,
        },
        {
            content: "No site of another region",
            trigger: `${PAGE}:not(:contains("Microstructure test B1")):not(:contains("Occitanie"))`,
        },
        {
            content: "Every table is there",
            trigger: `${PAGE} [data-table="satisfaction"] table`,
        },
        {
            content: "The outcomes of the validated scales, with what their figures mean",
            trigger: `${PAGE} [data-table="outcomes"]:has(td:contains("PHQ-9")) .o_microstructure_indicator_table_note:contains("5")`,
        },
        {
            content: "A chart is drawn",
            trigger: `${PAGE} [data-table="sites"] .o_microstructure_indicator_chart canvas`,
        },
        {
            content: "The scope is the manager's whole perimeter: its region, no choice",
            trigger: `${PAGE} .o_microstructure_indicators_scope:contains("Grand Est"):not(:has(select, input))`,
        },
        {
            content: "The only choice is the reporting year",
            trigger: `${PAGE}:not(:has(select:not(.o_microstructure_indicators_year)))`,
        },
        {
            content: "Choose the reporting year 2022-2023",
            trigger: `${PAGE} select.o_microstructure_indicators_year`,
            run: "select 2022",
        },
        {
            content: "The page shows the year chosen",
            trigger: `${PAGE} .o_microstructure_indicators_period:contains("2022"):contains("2023")`,
        },
        {
            content: "Its tables and charts",
            trigger: `${PAGE} [data-table="professionals"] .o_microstructure_indicator_chart canvas`,
        },
        {
            content: "A chart far below the screen is not drawn yet",
            trigger: `${PAGE} [data-table="activity"] .o_microstructure_indicator_chart canvas:not([style])`,
        },
        {
            content: "Scroll down to the activity per site",
            trigger: `${PAGE} [data-table="activity"] .o_microstructure_indicator_chart`,
            run(helpers) {
                helpers.anchor.scrollIntoView();
            },
        },
        {
            content: "Its chart is drawn once on the screen",
            trigger: `${PAGE} [data-table="activity"] .o_microstructure_indicator_chart canvas[style*="display: block"]`,
        },
        {
            content: "Export the year to Excel",
            trigger: `${PAGE} button.o_microstructure_indicators_export:not([disabled])`,
            run: exportWorkbook,
        },
        {
            content: "The browser received the workbook",
            trigger: "body[data-microstructure-workbook]",
            run() {
                const filename = document.body.dataset.microstructureWorkbook;
                // the file is named in the user's language, after the year chosen
                if (!/_2022-09-01_2023-08-31\.xlsx$/.test(filename)) {
                    throw new Error(`unexpected workbook: ${filename}`);
                }
            },
        },
        stepUtils.showAppsMenuItem(),
        {
            content: "Leave the page for another app page",
            trigger: APP,
            run: "click",
        },
        {
            content: "The sites are shown",
            trigger: ".o_kanban_view",
        },
    ],
});

registry.category("web_tour.tours").add("odoo_microstructure_indicators_network_admin_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the Microstructures app",
            trigger: APP,
            run: "click",
        },
        {
            content: "Open the reporting menu",
            trigger: `.o_menu_sections ${REPORTING}`,
            run: "click",
        },
        {
            content: "Open the indicators",
            trigger: `.o-dropdown--menu ${INDICATORS}`,
            run: "click",
        },
        {
            content: "The tables of the administrator's network",
            trigger: `${PAGE} [data-table="activity"] td:contains("Microstructure test A1")`,
        },
        {
            content: "Not those of another network",
            trigger: `${PAGE}:not(:contains("Microstructure test B1")):not(:contains("Occitanie"))`,
        },
        {
            content: "A chart",
            trigger: `${PAGE} [data-table="activity"] .o_microstructure_indicator_chart canvas`,
        },
        {
            content: "The export is offered",
            trigger: `${PAGE} button.o_microstructure_indicators_export:not([disabled])`,
        },
    ],
});
