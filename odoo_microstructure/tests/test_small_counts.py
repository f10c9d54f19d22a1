from odoo.tests import BaseCase, tagged

from ..reports.microstructure_small_counts import PRIMARY, SECONDARY, protect


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
