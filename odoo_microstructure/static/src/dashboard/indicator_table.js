import { Component } from "@odoo/owl";
import { IndicatorChart } from "./indicator_chart";

/**
 * A table of the indicators page with its chart. Its cells come formatted
 * (``cells``: text and whether the cell is masked), so that rendering it
 * formats nothing; it renders again only when its table changes, not when
 * the page around it does (loading, export).
 */
export class IndicatorTable extends Component {
    static template = "odoo_microstructure.IndicatorTable";
    static components = { IndicatorChart };
    static props = { table: Object };

    isTotal(index) {
        const { table } = this.props;
        return table.total && index === table.rows.length - 1;
    }
}
