import { formatFloat, formatInteger } from "@web/views/fields/formatters";

/**
 * Text of a cell of the indicator tables, in the user's language. A string
 * in a column of figures is a mask ("< 11", "s"), shown as it is.
 *
 * @param {number|string|null} value
 * @param {string} kind text, count, number, percent or decimal
 * @returns {string}
 */
export function formatIndicator(value, kind) {
    if (value === null || value === undefined || value === false) {
        return "";
    }
    if (typeof value === "string") {
        return value;
    }
    switch (kind) {
        case "percent":
            // a non-breaking space before the sign, as French typography wants
            return `${formatFloat(100 * value, { digits: [false, 0] })}\u00a0%`;
        case "decimal":
            return formatFloat(value, { digits: [false, 1] });
        case "count":
        case "number":
            return formatInteger(value);
        default:
            return String(value);
    }
}
