"""Protection of small counts in published tables.

A cell counting people (or what happened to them) is not published when it
rests on 1 to 10 persons (primary masking, shown "< 11"), and a masked cell
must not be recomputable from its row or column totals: wherever a row or a
column (totals included) would hold a single masked cell, a second cell of it
is masked too (secondary masking, shown "s"). Zero is published: it reveals
nobody.
"""

SMALL = range(1, 11)
PRIMARY = "< 11"
SECONDARY = "s"


def _equations(rows, cols):
    """Index groups of the grid (rows x cols plus a total row and column)
    whose values add up: each line of cells equals its total."""
    equations = []
    for i in range(rows + 1):
        equations.append([(i, j) for j in range(cols)] + [(i, cols)])
    for j in range(cols + 1):
        equations.append([(i, j) for i in range(rows)] + [(rows, j)])
    return equations


def protect(matrix):
    """Protect a table of counts.

    :param matrix: list of rows of non-negative integers (at least one cell)
    :return: the grid with a total row and column, where each masked value is
        replaced by ``PRIMARY`` or ``SECONDARY``
    """
    rows, cols = len(matrix), len(matrix[0])
    grid = [list(row) + [sum(row)] for row in matrix]
    grid.append([sum(grid[i][j] for i in range(rows)) for j in range(cols + 1)])
    masked = {
        (i, j): PRIMARY
        for i in range(rows + 1)
        for j in range(cols + 1)
        if grid[i][j] in SMALL
    }
    equations = _equations(rows, cols)
    changed = True
    while changed:
        changed = False
        for equation in equations:
            hidden = [cell for cell in equation if cell in masked]
            if len(hidden) != 1:
                continue
            candidates = [cell for cell in equation if cell not in masked]
            if not candidates:
                continue
            # mask the smallest non-zero inner cell, to lose as little as possible
            def cost(cell):
                value = grid[cell[0]][cell[1]]
                is_total = cell[0] == rows or cell[1] == cols
                return (value == 0, is_total, value)

            masked[min(candidates, key=cost)] = SECONDARY
            changed = True
    return [
        [masked.get((i, j), grid[i][j]) for j in range(cols + 1)]
        for i in range(rows + 1)
    ]
