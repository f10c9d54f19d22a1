"""Arithmetic of the generators (plain Python, shared by the demo script)."""

from datetime import timedelta


def split(total, weights, minimum=0, maximum=None):
    """Largest-remainder split of ``total`` in proportion to ``weights``, each
    share at least ``minimum`` and, if given, at most ``maximum[i]``."""
    count = len(weights)
    rest = total - minimum * count
    weight_sum = sum(weights) or 1
    raw = [rest * weight / weight_sum for weight in weights]
    floors = [int(value) for value in raw]
    shares = [minimum + floor for floor in floors]
    order = sorted(range(count), key=lambda i: raw[i] - floors[i], reverse=True)
    for index in order[: total - sum(shares)]:
        shares[index] += 1
    if maximum:
        # move any excess to the shares that can still take one
        for index in range(count):
            while shares[index] > maximum[index]:
                shares[index] -= 1
                other = min((k for k in range(count) if shares[k] < maximum[k]),
                            key=lambda k: shares[k] / weights[k])
                shares[other] += 1
    assert not count or sum(shares) == total, (total, shares)
    return shares


def spread(rng, items, total):
    """``total`` draws of ``items``, each item taking a random share."""
    weights = [rng.uniform(0.5, 1.5) for _item in items]
    result = []
    for item, count in zip(items, split(total, weights)):
        result.extend([item] * count)
    return result


def adult_ages(rng, size, mean_age, deviation):
    """Adult ages (18.5 to 85) whose mean is ``mean_age``."""
    ages = [rng.gauss(mean_age, deviation) for _n in range(size)]
    for _round in range(5):
        ages = [min(85.0, max(18.5, age)) for age in ages]
        shift = mean_age - sum(ages) / size if size else 0
        ages = [age + shift for age in ages]
    return [min(85.0, max(18.5, age)) for age in ages]


def year_before(day):
    """The same day one year earlier (2023-09-01 gives 2022-09-01)."""
    return day.replace(year=day.year - 1)


def days_between(first, stop):
    """The days from ``first`` to the day before ``stop``."""
    return [first + timedelta(days=n) for n in range((stop - first).days)]


def first_weekday(day, weekday):
    """The first day on or after ``day`` that falls on ``weekday`` (0 = Monday)."""
    return day + timedelta(days=(weekday - day.weekday()) % 7)
