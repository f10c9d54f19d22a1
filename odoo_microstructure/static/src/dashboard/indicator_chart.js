import { Component, onWillStart, onWillUnmount, useEffect, useRef } from "@odoo/owl";
import { cookie } from "@web/core/browser/cookie";
import { loadBundle } from "@web/core/assets";
import { getColor } from "@web/core/colors/colors";
import { formatIndicator } from "./indicator_format";

// above this many rows, the bars lie horizontally (as in the workbook)
const MAX_COLUMNS = 24;

/**
 * The chart of an indicator table: its chart columns over its rows, the
 * total row left out. A masked cell has no bar; its tooltip shows the mask.
 *
 * A chart is drawn when it comes near the screen: drawing one measures the
 * page, and drawing the twelve at once, most of them below the fold, took
 * most of the time the page spent on a year.
 */
export class IndicatorChart extends Component {
    static template = "odoo_microstructure.IndicatorChart";
    static props = { table: Object };

    setup() {
        this.canvasRef = useRef("canvas");
        this.chart = null;
        onWillStart(() => loadBundle("web.chartjs_lib"));
        useEffect(
            (canvas) => {
                if (!canvas) {
                    this.chart?.destroy();
                    this.chart = null;
                    return;
                }
                const observer = new IntersectionObserver(
                    (entries) => {
                        if (entries.some((entry) => entry.isIntersecting)) {
                            observer.disconnect();
                            this.renderChart();
                        }
                    },
                    { rootMargin: "200px" }
                );
                observer.observe(canvas);
                return () => observer.disconnect();
            },
            () => [this.canvasRef.el, this.props.table]
        );
        onWillUnmount(() => this.chart?.destroy());
    }

    get rows() {
        const { rows, total } = this.props.table;
        return total && rows.length > 1 ? rows.slice(0, -1) : rows;
    }

    /** Whether a bar would show: a figure neither masked nor zero. */
    get hasFigures() {
        const { table } = this.props;
        const positions = table.chart.map((key) => table.columns.findIndex((column) => column.key === key));
        return this.rows.some((row) => positions.some((position) => typeof row[position] === "number" && row[position]));
    }

    get horizontal() {
        return this.rows.length > MAX_COLUMNS;
    }

    get height() {
        return this.horizontal ? Math.min(120 + 16 * this.rows.length, 4000) : 300;
    }

    getConfig() {
        const { table } = this.props;
        const rows = this.rows;
        const columns = table.columns;
        const keys = columns.map((column) => column.key);
        const colorScheme = cookie.get("color_scheme");
        const datasets = table.chart.map((key, index) => {
            const position = keys.indexOf(key);
            return {
                label: columns[position].label,
                kind: columns[position].kind,
                data: rows.map((row) => (typeof row[position] === "number" ? row[position] : null)),
                cells: rows.map((row) => row[position]),
                backgroundColor: getColor(index, colorScheme, table.chart.length),
                borderRadius: 4,
            };
        });
        const valueAxis = this.horizontal ? "x" : "y";
        const percent = datasets[0]?.kind === "percent";
        return {
            type: "bar",
            data: {
                labels: rows.map((row) => String(row[table.label_column] ?? "")),
                datasets,
            },
            options: {
                indexAxis: this.horizontal ? "y" : "x",
                maintainAspectRatio: false,
                animation: false,
                scales: {
                    [valueAxis]: {
                        beginAtZero: true,
                        ...(percent ? { max: 1 } : {}),
                        ticks: {
                            ...(percent ? {} : { precision: 0 }),
                            callback: (value) => formatIndicator(value, percent ? "percent" : "number"),
                        },
                    },
                },
                plugins: {
                    legend: { position: "bottom" },
                    tooltip: {
                        callbacks: {
                            label: (item) => {
                                const cell = item.dataset.cells[item.dataIndex];
                                return `${item.dataset.label}: ${formatIndicator(cell, item.dataset.kind)}`;
                            },
                        },
                    },
                },
            },
        };
    }

    renderChart() {
        this.chart?.destroy();
        this.chart = null;
        if (this.canvasRef.el) {
            this.chart = new Chart(this.canvasRef.el, this.getConfig());
        }
    }
}
