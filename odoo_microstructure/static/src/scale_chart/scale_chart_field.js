import { Component, onWillStart, onWillUnmount, useEffect, useRef } from "@odoo/owl";
import { loadBundle } from "@web/core/assets";
import { _t } from "@web/core/l10n/translation";
import { deserializeDate, formatDate } from "@web/core/l10n/dates";
import { registry } from "@web/core/registry";
import { formatFloat } from "@web/core/utils/numbers";
import { standardFieldProps } from "@web/views/fields/standard_field_props";

const DAY = 24 * 3600 * 1000;

/** Colour of the band ``index`` of ``count``: from green (the lowest) to red. */
function bandColor(index, count, alpha = 1) {
    const hue = count > 1 ? 120 - (120 * index) / (count - 1) : 120;
    return `hsla(${Math.round(hue)}, 65%, 42%, ${alpha})`;
}

/**
 * The graph of one scale: the patient's scores over time, each band shaded
 * from its lower edge (a dashed line, labelled in the legend) to the next.
 */
export class ScaleChart extends Component {
    static template = "odoo_microstructure.ScaleChart";
    static props = { chart: Object };

    setup() {
        this.canvasRef = useRef("canvas");
        this.chart = null;
        useEffect(
            () => {
                this.renderChart();
            },
            () => [this.canvasRef.el, this.props.chart]
        );
        onWillUnmount(() => this.chart?.destroy());
    }

    formatScore(value) {
        return formatFloat(value, { digits: [false, this.props.chart.digits] });
    }

    getConfig() {
        const { chart } = this.props;
        const times = chart.points.map((point) => deserializeDate(point.date).toMillis());
        // a margin keeps the first and last points whole, and gives a single
        // result lines across the graph
        const [first, last] = [Math.min(...times), Math.max(...times)];
        const margin = Math.max((last - first) * 0.05, 7 * DAY);
        const [start, end] = [first - margin, last + margin];
        const count = chart.thresholds.length;
        const bands = chart.thresholds.map((threshold, index) => ({
            label: _t("≥ %(score)s: %(band)s", { score: this.formatScore(threshold.score), band: threshold.band }),
            data: [
                { x: start, y: threshold.score },
                { x: end, y: threshold.score },
            ],
            borderColor: bandColor(index, count),
            backgroundColor: bandColor(index, count, 0.08),
            borderWidth: 1,
            borderDash: [6, 4],
            pointRadius: 0,
            pointHitRadius: 0,
            fill: { value: index + 1 < count ? chart.thresholds[index + 1].score : chart.max },
            isBand: true,
        }));
        const scores = {
            label: _t("Score"),
            data: chart.points.map((point, index) => ({ x: times[index], y: point.score, band: point.band })),
            borderColor: "#495057",
            backgroundColor: "#495057",
            borderWidth: 2,
            pointRadius: 4,
            tension: 0,
            fill: false,
        };
        return {
            type: "line",
            data: { datasets: [scores, ...bands] },
            options: {
                maintainAspectRatio: false,
                animation: false,
                parsing: false,
                scales: {
                    x: {
                        type: "time",
                        min: start,
                        max: end,
                        time: { minUnit: "day" },
                        ticks: { maxTicksLimit: 8 },
                    },
                    y: {
                        min: chart.min,
                        max: chart.max,
                        title: { display: true, text: _t("Score") },
                    },
                },
                plugins: {
                    legend: { position: "bottom", align: "start", labels: { usePointStyle: true, pointStyle: "line" } },
                    tooltip: {
                        filter: (item) => !item.dataset.isBand,
                        callbacks: {
                            title: (items) =>
                                items.length ? formatDate(deserializeDate(chart.points[items[0].dataIndex].date)) : "",
                            label: (item) => _t("Score: %s", this.formatScore(item.raw.y)),
                            afterLabel: (item) => item.raw.band,
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

/** One graph per validated scale of the patient, from ``scale_chart_data``. */
export class ScaleChartField extends Component {
    static template = "odoo_microstructure.ScaleChartField";
    static components = { ScaleChart };
    static props = { ...standardFieldProps };

    setup() {
        onWillStart(() => loadBundle("web.chartjs_lib"));
    }

    get charts() {
        return this.props.record.data[this.props.name] || [];
    }
}

export const scaleChartField = {
    component: ScaleChartField,
    displayName: _t("Scale graphs"),
    supportedTypes: ["json"],
};

registry.category("fields").add("microstructure_scale_chart", scaleChartField);
