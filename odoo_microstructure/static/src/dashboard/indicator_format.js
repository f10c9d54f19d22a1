import { user } from "@web/core/user";

/**
 * The formatter of the indicator tables in a language: one
 * ``Intl.NumberFormat`` per kind of figure, made once, then a cheap call per
 * cell. A string in a column of figures is a mask ("< 11", "s"), shown as it
 * is.
 *
 * @param {string} locale a BCP 47 locale ("fr-FR")
 * @returns {(value: number|string|null, kind: string) => string} kind: text,
 *      count, number, percent or decimal
 */
export function makeIndicatorFormatter(locale) {
    const integer = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
    const decimal = new Intl.NumberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
    return (value, kind) => {
        if (value === null || value === undefined || value === false) {
            return "";
        }
        if (typeof value === "string") {
            return value;
        }
        switch (kind) {
            case "percent":
                // a non-breaking space before the sign, as French typography wants
                return `${integer.format(100 * value)}\u00a0%`;
            case "decimal":
                return decimal.format(value);
            case "count":
            case "number":
                return integer.format(value);
            default:
                return String(value);
        }
    };
}

let formatter = null;

/**
 * Text of a cell of the indicator tables, in the user's language (the
 * formatter of the page, made on first use).
 *
 * @param {number|string|null} value
 * @param {string} kind text, count, number, percent or decimal
 * @returns {string}
 */
export function formatIndicator(value, kind) {
    formatter ||= makeIndicatorFormatter(user.lang || "en-US");
    return formatter(value, kind);
}
