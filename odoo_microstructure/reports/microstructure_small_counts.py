"""Protection of small counts in published reports.

A report is a set of named cells and of additive equations between them (a
total cell is the sum of its part cells). A cell is published, or hidden: a
hidden cell counts people but is not printed (the sheets not sent are the
sheets minus the sheets sent), so it must not be recomputable either when it
is small.

A published cell counting people (or what happened to them) is not printed
when it rests on 1 to 10 persons (primary masking, shown "< 11"). Then, as
long as a masked cell, or a hidden cell of 1 to 10 persons, can be recomputed
from the printed cells through the equations (one equation at a time, or any
combination of them), one more printed cell is masked (secondary masking,
shown "s"): the cheapest of those used by the recomputation, that is the
smallest non-zero cell that is not a total. Zero is published: it reveals
nobody.

Cells shared by two tables of a report carry the same name, so they get the
same mask, and a figure of one table that is a sum of another table's cells
is declared as such an equation.
"""

from collections import deque
from fractions import Fraction

SMALL = range(1, 11)
PRIMARY = "< 11"
SECONDARY = "s"


def is_small(value):
    """A count of 1 to 10 people."""
    return not isinstance(value, bool) and isinstance(value, int) and value in SMALL


class Protection:
    """Named cells and additive equations of one report, and their masks.

    Typical use::

        engine = Protection()
        engine.cell("sheets", 14)
        engine.cell("sent", 12)
        engine.cell("not_sent", 2, hidden=True)
        engine.equation("sheets", ["sent", "not_sent"])
        engine.protect()
        engine.value("sent")  # "s": else the 2 sheets not sent are known
    """

    def __init__(self):
        self._values = {}
        self._rank = {}  # declaration order, to break ties
        self._hidden = set()
        self._sensitive = set()
        self._equations = []  # (total, parts)
        self._by_cell = {}  # cell -> indexes of its equations
        self._totals = set()
        self._masks = None
        self._known = None

    # DECLARATION -------------------------------------------------------------
    def cell(self, key, value, hidden=False, sensitive=False):
        """Declare a cell (a non-negative integer). Declaring it again with
        the same value links two tables; a cell printed in one table is
        printed. ``sensitive`` forces a cell to be protected whatever its
        value (a hidden cell that another report could complete)."""
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"cell {key!r}: {value!r} is not a count")
        if key in self._values:
            if self._values[key] != value:
                raise ValueError(f"cell {key!r} declared as {self._values[key]} and {value}")
            if not hidden:
                self._hidden.discard(key)
        else:
            self._values[key] = value
            self._rank[key] = len(self._rank)
            self._by_cell[key] = []
            if hidden:
                self._hidden.add(key)
        if sensitive:
            self._sensitive.add(key)
        self._masks = None
        return key

    def equation(self, total, parts):
        """Declare that ``total`` is the sum of ``parts`` (declared cells)."""
        parts = tuple(parts)
        for key in (total, *parts):
            if key not in self._values:
                raise KeyError(f"cell {key!r} is not declared")
        if self._values[total] != sum(self._values[key] for key in parts):
            raise ValueError(f"the parts of {total!r} do not add up to it")
        index = len(self._equations)
        self._equations.append((total, parts))
        for key in {total, *parts}:
            self._by_cell[key].append(index)
        self._totals.add(total)
        self._masks = None

    def add(self, total, parts, value=None, hidden=False):
        """Declare ``total`` as the sum of the ``parts`` (a shortcut)."""
        value = sum(self._values[key] for key in parts) if value is None else value
        self.cell(total, value, hidden=hidden)
        self.equation(total, parts)
        return total

    # QUERIES -------------------------------------------------------------------
    def is_sensitive(self, key):
        return key in self._sensitive or is_small(self._values[key])

    def count(self, key):
        """The true value of a cell, for computations that stay inside."""
        return self._values[key]

    def value(self, key):
        """The printed value of a published cell, or its mask."""
        self._ensure_protected()
        if key in self._hidden:
            raise KeyError(f"cell {key!r} is hidden")
        return self._masks.get(key, self._values[key])

    def is_masked(self, key):
        self._ensure_protected()
        return key in self._masks

    def is_known(self, key):
        """Whether the cell is printed or recomputable from printed cells:
        a share of two known cells reveals nothing more than they do."""
        self._ensure_protected()
        return key in self._known

    def masks(self):
        self._ensure_protected()
        return dict(self._masks)

    def statistic(self, value, base, keys=()):
        """A share, rate, mean or median as printed: masked when it rests on
        1 to 10 people (``base``) or on a cell of ``keys`` that is not known;
        then it reveals nothing more than the known cells do. ``value`` may
        be a callable, called only when the statistic is printed."""
        if base in SMALL or not all(self.is_known(key) for key in keys):
            return PRIMARY
        return value() if callable(value) else value

    def share(self, part, whole, base):
        """``part / whole`` (keys of cells, or numbers) over ``base`` people;
        none when ``whole`` is zero."""
        keys = [key for key in (part, whole) if not isinstance(key, (int, float))]

        def compute():
            numerator, denominator = (key if isinstance(key, (int, float)) else self.count(key)
                                      for key in (part, whole))
            return numerator / denominator if denominator else None

        return self.statistic(compute, base, keys)

    def _ensure_protected(self):
        if self._masks is None:
            self.protect()

    # MASKING -------------------------------------------------------------------
    def protect(self):
        """Mask the cells so that nothing sensitive can be recomputed."""
        masks = {
            key: PRIMARY for key in self._values if key not in self._hidden and self.is_sensitive(key)
        }
        while True:
            _known, leaks = self._analyse(masks)
            # the printed cell used by the most recomputations, the cheapest first
            uses = {}
            for cell, used in leaks:
                candidates = [key for key in used if key not in self._hidden and key not in masks]
                # with no printed cell involved, the equations alone can only force a zero
                if not candidates and self._values[cell]:
                    raise RuntimeError(f"cell {cell!r} cannot be protected")
                for key in candidates:
                    uses[key] = uses.get(key, 0) + 1
            if not uses:
                break
            masks[min(uses, key=lambda key: (-uses[key], *self._cost(key)))] = SECONDARY
        self._masks = masks
        self._known, _leaks = self._analyse(masks, complete=True)
        return self

    def _cost(self, key):
        value = self._values[key]
        return (value == 0, key in self._totals, value, self._rank[key])

    def _is_leak(self, key, masks):
        return key in masks or (key in self._hidden and self.is_sensitive(key))

    def _cells(self, index):
        total, parts = self._equations[index]
        return (*parts, total)

    def _analyse(self, masks, complete=False):
        """The cells known from the printed ones, and the leaks: cells that
        should not be recomputable and are, each with the printed cells its
        recomputation uses. Single equations first; when they reveal nothing
        (or ``complete``), any combination of equations."""
        known = {key for key in self._values if key not in self._hidden and key not in masks}
        used_by = {}  # derived cell -> printed cells its derivation uses
        leaks = []
        unknown = [sum(1 for key in self._cells(index) if key not in known)
                   for index in range(len(self._equations))]
        queue = deque(index for index, count in enumerate(unknown) if count == 1)
        while queue:
            index = queue.popleft()
            if unknown[index] != 1:
                continue
            cells = self._cells(index)
            [cell] = [key for key in cells if key not in known]
            used = set()
            for key in cells:
                if key != cell:
                    used |= used_by.get(key, {key})
            if self._is_leak(cell, masks):
                leaks.append((cell, used))
            known.add(cell)
            used_by[cell] = used
            for other in self._by_cell[cell]:
                unknown[other] -= 1
                if unknown[other] == 1:
                    queue.append(other)
        if leaks and not complete:
            return known, leaks
        for cell, sources in self._combine(known):
            if self._is_leak(cell, masks):
                used = set()
                for index in sources:
                    for key in self._cells(index):
                        if key in known:
                            used |= used_by.get(key, {key})
                leaks.append((cell, used))
            known.add(cell)
        return known, leaks

    def _combine(self, known):
        """Unknown cells that a combination of equations determines, each with
        the equations combined: exact Gauss-Jordan elimination over the
        unknown cells, the known ones being constants (integer coefficients,
        fractions only when a division is not exact)."""
        pivots = {}  # pivot cell -> [coefficients, equations combined]
        for index, (total, parts) in enumerate(self._equations):
            coefs = {}
            for key, sign in ((total, 1), *((part, -1) for part in parts)):
                if key not in known:
                    coefs[key] = coefs.get(key, 0) + sign
            coefs = {key: coef for key, coef in coefs.items() if coef}
            if not coefs:
                continue
            sources = {index}
            for cell in [cell for cell in coefs if cell in pivots]:
                if cell in coefs:
                    _subtract(coefs, pivots[cell][0], _divide(coefs[cell], pivots[cell][0][cell]))
                    sources |= pivots[cell][1]
            if not coefs:
                continue
            pivot = min(coefs, key=self._rank.get)
            for row in pivots.values():
                if pivot in row[0]:
                    _subtract(row[0], coefs, _divide(row[0][pivot], coefs[pivot]))
                    row[1] |= sources
            pivots[pivot] = [coefs, sources]
        for cell, (coefs, sources) in sorted(pivots.items(), key=lambda item: self._rank[item[0]]):
            if len(coefs) == 1:
                yield cell, sources


def _divide(numerator, denominator):
    """An exact quotient: an integer when it is one, else a fraction."""
    if isinstance(numerator, int) and isinstance(denominator, int) and not numerator % denominator:
        return numerator // denominator
    return Fraction(numerator) / denominator


def _subtract(coefs, row, factor):
    """coefs -= factor * row, dropping the zeros."""
    for key, coef in row.items():
        value = coefs.get(key, 0) - factor * coef
        if value:
            coefs[key] = value
        else:
            coefs.pop(key, None)


def protect(matrix):
    """Protect a table of counts with its totals (a report of one table).

    :param matrix: list of rows of non-negative integers (at least one cell)
    :return: the grid with a total row and column, where each masked value is
        replaced by ``PRIMARY`` or ``SECONDARY``
    """
    rows, cols = len(matrix), len(matrix[0])
    grid = [list(row) + [sum(row)] for row in matrix]
    grid.append([sum(grid[i][j] for i in range(rows)) for j in range(cols + 1)])
    engine = Protection()
    for i in range(rows + 1):
        for j in range(cols + 1):
            engine.cell((i, j), grid[i][j])
    for i in range(rows + 1):
        engine.equation((i, cols), [(i, j) for j in range(cols)])
    for j in range(cols + 1):
        engine.equation((rows, j), [(i, j) for i in range(rows)])
    return [[engine.value((i, j)) for j in range(cols + 1)] for i in range(rows + 1)]
