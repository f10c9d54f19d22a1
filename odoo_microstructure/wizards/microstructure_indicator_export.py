import base64
import os
import tempfile

import xlsxwriter

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..reports.microstructure_indicators import FIRST_YEAR, last_complete_year, reporting_year_bounds
from ..reports.microstructure_small_counts import PRIMARY, SECONDARY

FIRST_ROW = 4  # title, scope, blank line, then the header row


class MicrostructureIndicatorExport(models.TransientModel):
    """The indicators of the user's whole perimeter over a reporting year:
    the figures of the dashboard page (``get_dashboard``) and their export to
    an Excel workbook with one sheet per table of the national report, kept
    on a record of the user who made it.

    Neither the scope nor the period can be chosen freely: two reports never
    differ by a few sites or a few days, so no small count comes out of their
    difference. The period is a reporting year (1 September to 31 August),
    the scope every site the user may read.
    """

    _name = "microstructure.indicator.export"
    _description = "Indicators of the microstructures"

    year = fields.Selection(
        selection="_selection_year", string="Reporting year", required=True,
        default=lambda self: self._default_year(),
        help="From 1 September to 31 August. Only the years that have ended can be chosen.",
    )
    date_from = fields.Date(string="From", compute="_compute_period")
    date_to = fields.Date(string="To", compute="_compute_period")
    file = fields.Binary(readonly=True, attachment=False)
    filename = fields.Char(readonly=True)

    # PERIOD ------------------------------------------------------------------
    def _selection_year(self):
        """The reporting years that have ended, the latest first."""
        last = last_complete_year(fields.Date.context_today(self))
        return [(str(year), f"{year}\u2013{year + 1}") for year in range(last, FIRST_YEAR - 1, -1)]

    def _default_year(self):
        Indicators = self.env["microstructure.indicators"]
        year = Indicators._get_default_year(Indicators._get_scope_sites(), fields.Date.context_today(self))
        return str(year)

    def _get_period(self):
        """First and last day of the wizard's reporting year, refused unless
        it is one of the years offered."""
        self.ensure_one()
        if self.year not in dict(self._selection_year()):
            raise UserError(self.env._("Choose a reporting year that has ended."))
        return reporting_year_bounds(int(self.year))

    @api.depends("year")
    def _compute_period(self):
        years = dict(self._selection_year())
        for wizard in self:
            if wizard.year in years:
                wizard.date_from, wizard.date_to = reporting_year_bounds(int(wizard.year))
            else:
                wizard.date_from = wizard.date_to = False

    # CRUD --------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_period_vals(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._check_period_vals(vals)
        return super().write(vals)

    def _check_period_vals(self, vals):
        """The period follows from the reporting year: its dates are never
        written, and the year must be one of those offered."""
        if {"date_from", "date_to"} & set(vals):
            raise UserError(self.env._(
                "The period is a reporting year, from 1 September to 31 August: choose the year."
            ))
        if "year" in vals and vals["year"] not in dict(self._selection_year()):
            raise UserError(self.env._("Choose a reporting year that has ended."))

    # DASHBOARD -----------------------------------------------------------------
    @api.model
    @api.readonly
    def get_dashboard(self, year=None):
        """The indicators page for a reporting year (the default one when
        ``year`` is not given): the years offered, the perimeter and the
        published tables, as raw figures and masks.

        The page asks for it once per year shown; it writes nothing, so it
        runs on the read replica. The scope is the user's whole perimeter and
        the period one of the years offered: nothing else can be chosen.
        """
        if not self.env.user.has_groups(
            "odoo_microstructure.group_microstructure_network_admin,"
            "odoo_microstructure.group_microstructure_regional_manager"
        ):
            raise AccessError(self.env._(
                "The indicators are for network administrators and regional managers only."
            ))
        Indicators = self.env["microstructure.indicators"]
        sites = Indicators._get_scope_sites()
        years = self._selection_year()
        if year in (None, False):
            year = str(Indicators._get_default_year(sites, fields.Date.context_today(self)))
        elif isinstance(year, int) and not isinstance(year, bool):
            year = str(year)
        if not isinstance(year, str) or year not in dict(years):
            raise UserError(self.env._("Choose a reporting year that has ended."))
        date_from, date_to = reporting_year_bounds(int(year))
        report = Indicators._get_report(sites, date_from, date_to)
        tables = report.tables
        # the sites table counts the sites open during the year: its total is
        # the number the page shows beside the perimeter's
        open_sites = next(table for table in tables if table["key"] == "sites")["rows"][-1][1]
        return {
            "year": year,
            "years": [{"value": value, "label": label} for value, label in years],
            "date_from": fields.Date.to_string(date_from),
            "date_to": fields.Date.to_string(date_to),
            "scope": {
                "label": self.env._("All the sites you may read"),
                "sites": len(sites),
                "open_sites": open_sites,
                "regions": sorted({region for _site, _id, region, _network in report.figures["scope"].values()
                                   if region}),
            },
            "masks": [PRIMARY, SECONDARY],
            "note": self.env._("< 11: from 1 to 10 people. s: masked so that no small count can be "
                               "recomputed from the totals."),
            "tables": [
                {
                    "key": table["key"],
                    "title": table["title"],
                    "columns": [{"key": key, "label": label, "kind": kind} for key, label, kind in table["columns"]],
                    "rows": table["rows"],
                    "chart": table["chart"],
                    "label_column": table["label_column"],
                    "total": table["total"],
                    "note": table["note"],
                }
                for table in tables
            ],
        }

    def _get_sites(self):
        """The whole perimeter of the user."""
        self.ensure_one()
        return self.env["microstructure.indicators"]._get_scope_sites()

    def _get_scope_label(self):
        self.ensure_one()
        date_from, date_to = self._get_period()
        return self.env._(
            "%(scope)s, from %(date_from)s to %(date_to)s",
            scope=self.env._("All the sites you may read"),
            date_from=date_from.strftime("%d/%m/%Y"),
            date_to=date_to.strftime("%d/%m/%Y"),
        )

    # EXPORT ------------------------------------------------------------------
    def action_export(self):
        self.ensure_one()
        date_from, date_to = self._get_period()
        sites = self._get_sites()
        if not sites:
            raise UserError(self.env._("You may read no site: there is nothing to export."))
        tables = self.env["microstructure.indicators"]._get_tables(sites, date_from, date_to)
        content = self._build_workbook(tables)
        self.write({
            "file": base64.b64encode(content),
            "filename": self.env._(
                "microstructure_indicators_%(date_from)s_%(date_to)s.xlsx",
                date_from=date_from.isoformat(),
                date_to=date_to.isoformat(),
            ),
        })
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self._name}/{self.id}/file/{self.filename}?download=true",
            "target": "self",
        }

    def _build_workbook(self, tables):
        """The workbook, written in constant memory (row by row to temporary
        files) and returned as bytes."""
        handle, path = tempfile.mkstemp(suffix=".xlsx")
        os.close(handle)
        try:
            workbook = xlsxwriter.Workbook(path, {
                "constant_memory": True,
                "tmpdir": tempfile.gettempdir(),
                "default_date_format": "dd/mm/yyyy",
            })
            workbook.set_properties({
                "title": self.env._("Indicators of the microstructures"),
                "subject": self._get_scope_label(),
                "comments": self.env._("Counts of 1 to 10 people are shown as \"< 11\"; "
                                       "\"s\" marks a count masked so that none can be recomputed."),
            })
            styles = {
                "title": workbook.add_format({"bold": True, "font_size": 14}),
                "scope": workbook.add_format({"italic": True, "font_color": "#555555"}),
                "header": workbook.add_format({
                    "bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top",
                }),
                "text": workbook.add_format({"border": 1}),
                "count": workbook.add_format({"border": 1, "num_format": "#,##0"}),
                "number": workbook.add_format({"border": 1, "num_format": "#,##0;-#,##0;0"}),
                "percent": workbook.add_format({"border": 1, "num_format": "0%"}),
                "decimal": workbook.add_format({"border": 1, "num_format": "0.0"}),
                "masked": workbook.add_format({"border": 1, "align": "right", "font_color": "#7F7F7F"}),
                "total": workbook.add_format({"border": 1, "bold": True}),
                "note": workbook.add_format({"italic": True, "font_color": "#7F7F7F"}),
            }
            scope = self._get_scope_label()
            for table in tables:
                self._write_sheet(workbook, styles, table, scope)
            workbook.close()
            with open(path, "rb") as file:
                return file.read()
        finally:
            os.unlink(path)

    def _write_sheet(self, workbook, styles, table, scope):
        name = table["title"][:31]
        sheet = workbook.add_worksheet(name)
        columns, rows = table["columns"], table["rows"]
        for index, (_key, label, kind) in enumerate(columns):
            width = max(len(label) + 2, 12) if kind != "text" else 34
            sheet.set_column(index, index, min(width, 40))
        sheet.write(0, 0, table["title"], styles["title"])
        sheet.write(1, 0, scope, styles["scope"])
        sheet.set_row(FIRST_ROW - 1, 32)
        for index, (_key, label, _kind) in enumerate(columns):
            sheet.write(FIRST_ROW - 1, index, label, styles["header"])
        sheet.freeze_panes(FIRST_ROW, 1)
        total_label = self.env._("Total")
        for offset, row in enumerate(rows):
            is_total = row and row[0] == total_label
            for index, ((_key, _label, kind), value) in enumerate(zip(columns, row)):
                cell_row = FIRST_ROW + offset
                if value is None or value is False:
                    sheet.write_blank(cell_row, index, None, styles["text"])
                elif isinstance(value, str):
                    style = styles["masked"] if kind != "text" else styles["total" if is_total else "text"]
                    sheet.write_string(cell_row, index, value, style)
                else:
                    sheet.write_number(cell_row, index, value, styles[kind])
        note_row = FIRST_ROW + len(rows) + 1
        sheet.write(note_row, 0, self.env._("< 11: from 1 to 10 people. s: masked so that no small count can be "
                                   "recomputed from the totals."), styles["note"])
        if table["note"]:
            note_row += 1
            sheet.write(note_row, 0, table["note"], styles["note"])
        self._add_chart(workbook, sheet, name, table, note_row)

    @staticmethod
    def _add_chart(workbook, sheet, name, table, note_row):
        """A chart of the table's rows (its total row left out)."""
        columns = table["columns"]
        count = len(table["rows"]) - (1 if table["total"] and len(table["rows"]) > 1 else 0)
        if count < 1:
            return
        first, last = FIRST_ROW, FIRST_ROW + count - 1
        keys = [key for key, _label, _kind in columns]
        chart = workbook.add_chart({"type": "column" if count <= 24 else "bar"})
        label_column = table["label_column"]
        for key in table["chart"]:
            index = keys.index(key)
            chart.add_series({
                "name": [name, FIRST_ROW - 1, index],
                "categories": [name, first, label_column, last, label_column],
                "values": [name, first, index, last, index],
            })
        chart.set_title({"name": table["title"]})
        chart.set_legend({"position": "bottom"})
        if columns[keys.index(table["chart"][0])][2] == "percent":
            chart.set_y_axis({"num_format": "0%", "min": 0, "max": 1})
        height = 320 if count <= 24 else min(120 + 16 * count, 4000)
        chart.set_size({"width": 720, "height": height})
        sheet.insert_chart(note_row + 2, 0, chart)
