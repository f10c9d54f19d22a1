import itertools
import random
from fractions import Fraction

from odoo.tests import BaseCase, tagged

from ..reports.microstructure_small_counts import PRIMARY, SECONDARY, Protection, protect


def determined_values(unknowns, equations, values=None):
    """The unknowns that linear equations determine, with their values.

    Dense Gauss-Jordan elimination over fractions; an unknown is determined
    when its pivot row holds no other unknown.

    :param unknowns: names of the cells not printed
    :param equations: lists of ``(name, coefficient)`` adding up to zero; a
        name that is not an unknown is a printed cell, valued by ``values``
    """
    values = values or {}
    unknowns = list(unknowns)
    index = {name: n for n, name in enumerate(unknowns)}
    width = len(unknowns)
    rows = []
    for equation in equations:
        row = [Fraction(0)] * (width + 1)
        for name, coefficient in equation:
            if name in index:
                row[index[name]] += coefficient
            else:
                row[width] -= coefficient * values.get(name, 0)
        if any(row[:width]):
            rows.append(row)
    rank = 0
    for column in range(width):
        pivot = next((i for i in range(rank, len(rows)) if rows[i][column]), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        rows[rank] = [value / rows[rank][column] for value in rows[rank]]
        for i, row in enumerate(rows):
            if i != rank and row[column]:
                factor = row[column]
                rows[i] = [a - factor * b for a, b in zip(row, rows[rank])]
        rank += 1
    found = {}
    for row in rows[:rank]:
        columns = [column for column in range(width) if row[column]]
        if len(columns) == 1:
            found[unknowns[columns[0]]] = row[width]
    return found


def determined(unknowns, equations):
    """The names of the unknowns that the equations determine."""
    return set(determined_values(unknowns, equations))


def grid_equations(table):
    """Equations of a grid with a total row and column, as for ``determined``."""
    rows, cols = len(table) - 1, len(table[0]) - 1
    equations = [[((i, j), 1) for j in range(cols)] + [((i, cols), -1)] for i in range(rows + 1)]
    equations += [[((i, j), 1) for i in range(rows)] + [((rows, j), -1)] for j in range(cols + 1)]
    return equations


def solutions(published, bound):
    """All non-negative integer fillings of the masked cells consistent with
    the published cells and totals (exhaustive search, pruned by the sums)."""
    rows, cols = len(published) - 1, len(published[0]) - 1
    lines = [[(i, j) for j in range(cols + 1)] for i in range(rows + 1)]
    lines += [[(i, j) for i in range(rows + 1)] for j in range(cols + 1)]
    hidden = [(i, j) for i in range(rows + 1) for j in range(cols + 1)
              if not isinstance(published[i][j], int)]
    grid = [list(row) for row in published]

    def possible():
        for line in lines:
            values = [grid[i][j] for i, j in line]
            *cells, total = values
            known = [v for v in cells if isinstance(v, int)]
            if isinstance(total, int):
                if sum(known) > total or (len(known) == len(cells) and sum(known) != total):
                    return False
        return True

    found = []

    def search(index):
        if index == len(hidden):
            found.append({cell: grid[cell[0]][cell[1]] for cell in hidden})
            return
        i, j = hidden[index]
        for value in range(bound + 1):
            grid[i][j] = value
            if possible():
                search(index + 1)
        grid[i][j] = published[i][j]

    search(0)
    return hidden, found


@tagged("post_install", "-at_install")
class TestSmallCounts(BaseCase):
    def test_primary_and_secondary_masking(self):
        table = protect([[25, 3, 40], [30, 22, 18]])
        self.assertEqual(table[0][1], PRIMARY)
        # the 3 cannot be recomputed from its row or its column
        self.assertEqual(sum(1 for v in table[0] if not isinstance(v, int)), 2)
        column = [table[i][1] for i in range(3)]
        self.assertGreaterEqual(sum(1 for v in column if not isinstance(v, int)), 2)
        self.assertIn(SECONDARY, [v for row in table for v in row])
        # zero and large counts are published as they are
        self.assertEqual(protect([[0, 15], [12, 40]]), [[0, 15, 15], [12, 40, 52], [12, 55, 67]])

    def test_no_published_small_count(self):
        for matrix in ([[1, 2], [3, 4]], [[11, 10], [50, 1]], [[5]], [[12, 0, 9, 30]]):
            for row in protect(matrix):
                for value in row:
                    self.assertFalse(isinstance(value, int) and 1 <= value <= 10, (matrix, row))

    def test_masked_cells_have_no_unique_solution(self):
        """Brute force: every masked cell can take several values."""
        fixtures = [
            [[25, 3, 14], [12, 22, 18]],
            [[2, 14], [15, 13]],
            [[11, 12, 3], [0, 14, 16], [13, 2, 15]],
            [[12, 4], [0, 13]],
            [[5]],
            [[12, 0, 9, 13]],
        ]
        for matrix in fixtures:
            table = protect(matrix)
            bound = sum(map(sum, matrix))
            hidden, found = solutions(table, bound)
            self.assertTrue(found, matrix)
            for cell in hidden:
                values = {solution[cell] for solution in found}
                self.assertGreater(len(values), 1, f"{cell} of {matrix} is recomputable: {table}")

    def test_masked_cells_are_not_determined(self):
        """Rank test: no masked cell of random tables is a linear combination
        of the printed ones, totals included."""
        generator = random.Random(2023)
        for _n in range(400):
            rows, cols = generator.randint(1, 5), generator.randint(1, 5)
            matrix = [[generator.choice([0, 0, 1, 3, 9, 11, 12, 20, 40]) for _c in range(cols)]
                      for _r in range(rows)]
            table = protect(matrix)
            masked = [(i, j) for i in range(rows + 1) for j in range(cols + 1) if isinstance(table[i][j], str)]
            self.assertFalse(determined(masked, grid_equations(table)), (matrix, table))

    # ENGINE: NAMED CELLS, HIDDEN CELLS, LINKED TABLES --------------------------
    def _funnel(self, sheets, sent, handled):
        engine = Protection()
        engine.cell("sheets", sheets)
        engine.cell("sent", sent)
        engine.cell("handled", handled)
        engine.cell("not_sent", sheets - sent, hidden=True)
        engine.cell("not_handled", sent - handled, hidden=True)
        engine.equation("sheets", ["sent", "not_sent"])
        engine.equation("sent", ["handled", "not_handled"])
        return engine.protect()

    def test_pairs(self):
        """Two printed counts whose difference counts 1 to 10 people are
        protected as a pair."""
        engine = self._funnel(14, 12, 12)
        self.assertEqual(engine.value("sent"), SECONDARY)
        self.assertEqual(engine.value("sheets"), 14)
        self.assertEqual(engine.value("handled"), 12)
        self.assertFalse(engine.is_known("not_sent"))
        self.assertTrue(engine.is_known("handled"))
        # a difference of 0 or of more than 10 is printed
        engine = self._funnel(40, 40, 20)
        self.assertEqual([engine.value(k) for k in ("sheets", "sent", "handled")], [40, 40, 20])
        self.assertTrue(engine.is_known("not_handled"))
        with self.assertRaises(KeyError):
            engine.value("not_sent")

    def test_linked_tables(self):
        """A figure that is the sum of another table's cells: masking one of
        these cells masks a second one, whichever table it is in."""
        engine = Protection()
        for site, value in (("a1", 30), ("a2", 4), ("b1", 15)):
            engine.cell(("site", site), value)
        engine.add(("region", "ge"), [("site", "a1"), ("site", "a2")])
        engine.add(("region", "occ"), [("site", "b1")])
        engine.add("total", [("region", "ge"), ("region", "occ")])
        engine.equation("total", [("site", "a1"), ("site", "a2"), ("site", "b1")])
        self.assertEqual(engine.value(("site", "a2")), PRIMARY)
        self.assertEqual(engine.value(("site", "a1")), SECONDARY)
        self.assertEqual(engine.value(("region", "ge")), 34)
        self.assertFalse(engine.is_known(("site", "a2")))

    def test_declarations_are_checked(self):
        engine = Protection()
        engine.cell("a", 3)
        engine.cell("b", 4)
        engine.cell("total", 8)
        with self.assertRaises(ValueError):
            engine.equation("total", ["a", "b"])
        with self.assertRaises(ValueError):
            engine.cell("a", 5)
        with self.assertRaises(KeyError):
            engine.equation("total", ["a", "c"])
        # a cell forced sensitive stays unknown whatever its value
        engine = Protection()
        engine.cell("followed", 500)
        engine.cell("inclusions", 120)
        engine.cell("carried_over", 380, hidden=True, sensitive=True)
        engine.equation("followed", ["carried_over", "inclusions"])
        self.assertFalse(engine.is_known("carried_over"))
        self.assertEqual(engine.value("inclusions"), SECONDARY)

    def test_engine_brute_force(self):
        """Brute force on small reports with hidden cells: every masked cell,
        and every hidden cell of 1 to 10 people, can take several values
        consistent with all the printed cells."""
        fixtures = [(14, 12, 11), (20, 9, 9), (12, 12, 3), (30, 25, 13), (11, 0, 0), (13, 12, 0)]
        for sheets, sent, handled in fixtures:
            engine = self._funnel(sheets, sent, handled)
            cells = {"sheets": sheets, "sent": sent, "handled": handled,
                     "not_sent": sheets - sent, "not_handled": sent - handled}
            equations = [("sheets", ["sent", "not_sent"]), ("sent", ["handled", "not_handled"])]
            self._assert_brute_force(engine, cells, equations, {"not_sent", "not_handled"})

    def _assert_brute_force(self, engine, cells, equations, hidden):
        masks = engine.masks()
        unknown = sorted(set(masks) | hidden)
        bound = max(cells.values()) + 1
        printed = {key: value for key, value in cells.items() if key not in unknown}
        found = []
        for values in itertools.product(range(bound + 1), repeat=len(unknown)):
            candidate = dict(printed, **dict(zip(unknown, values)))
            if all(candidate[total] == sum(candidate[p] for p in parts) for total, parts in equations):
                found.append(candidate)
        self.assertTrue(found)
        for key in unknown:
            if key in masks or 1 <= cells[key] <= 10:
                values = {solution[key] for solution in found}
                self.assertGreater(len(values), 1, f"{key} is recomputable in {cells}: {masks}")
