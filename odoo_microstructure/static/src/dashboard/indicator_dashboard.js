import { Component, markRaw, onWillStart, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { deserializeDate, formatDate } from "@web/core/l10n/dates";
import { download } from "@web/core/network/download";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { useSetupAction } from "@web/search/action_hook";
import { Layout } from "@web/search/layout";
import { standardActionServiceProps } from "@web/webclient/actions/action_service";
import { formatIndicator } from "./indicator_format";
import { IndicatorTable } from "./indicator_table";

const MODEL = "microstructure.indicator.export";

/**
 * The indicators page of network administrators and regional managers: the
 * protected tables of the national report over a reporting year, for the
 * user's whole perimeter, with their charts and their export to Excel.
 *
 * The server sends the figures of one year at a time (``get_dashboard``):
 * once when the page opens (the default year), once per year chosen, never
 * when the page is left. The page formats each cell once, when its figures
 * arrive, with the formatter of the page (``Intl.NumberFormat``).
 */
export class IndicatorDashboard extends Component {
    static template = "odoo_microstructure.IndicatorDashboard";
    static components = { Layout, IndicatorTable };
    static props = { ...standardActionServiceProps };

    setup() {
        this.orm = useService("orm");
        this.state = useState({ data: null, loading: false, exporting: false });
        this.requested = null;
        useSetupAction({
            getLocalState: () => ({ year: this.state.data?.year }),
        });
        onWillStart(() => this.load(this.props.state?.year));
    }

    async load(year) {
        this.state.loading = true;
        this.requested = year;
        try {
            const data = await this.orm.call(MODEL, "get_dashboard", year ? [year] : []);
            // the answer to the last year chosen only
            if (this.requested === year) {
                this.state.data = this.prepare(data);
            }
        } finally {
            if (this.requested === year) {
                this.state.loading = false;
            }
        }
    }

    /**
     * The figures as the page shows them, out of the reactive state (read
     * as they are, never watched): each cell formatted once.
     */
    prepare(data) {
        const masks = new Set(data.masks);
        for (const table of data.tables) {
            table.cells = table.rows.map((row) =>
                table.columns.map((column, index) => ({
                    text: formatIndicator(row[index], column.kind),
                    masked: column.kind !== "text" && masks.has(row[index]),
                }))
            );
        }
        return markRaw(data);
    }

    get period() {
        const { date_from, date_to } = this.state.data;
        return _t("From %(date_from)s to %(date_to)s", {
            date_from: formatDate(deserializeDate(date_from)),
            date_to: formatDate(deserializeDate(date_to)),
        });
    }

    get sitesText() {
        const { sites, open_sites } = this.state.data.scope;
        const values = {
            sites: formatIndicator(sites, "number"),
            open: formatIndicator(open_sites, "number"),
        };
        if (open_sites === sites) {
            return _t("%(sites)s sites, all open during the year.", values);
        }
        return _t("%(sites)s sites, %(open)s of them open during the year and counted in the tables; the others opened after the year or ended their experiment before it.", values);
    }

    async onYearChange(ev) {
        const year = ev.target.value;
        if (year !== this.state.data.year) {
            await this.load(year);
        }
    }

    async onExport() {
        this.state.exporting = true;
        try {
            const [exportId] = await this.orm.create(MODEL, [{ year: this.state.data.year }]);
            await this.orm.call(MODEL, "action_export", [[exportId]]);
            await download({
                url: "/web/content",
                data: {
                    model: MODEL,
                    id: exportId,
                    field: "file",
                    filename_field: "filename",
                    download: true,
                },
            });
        } finally {
            this.state.exporting = false;
        }
    }
}

registry.category("actions").add("odoo_microstructure.indicator_dashboard", IndicatorDashboard);
