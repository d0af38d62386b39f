"""The one rounding rule for every percentage a client sees."""


def percent(part: float, whole: float) -> float:
    """``part / whole`` as a percentage rounded to 2 decimals; 0.0 when ``whole`` <= 0."""
    if whole <= 0:
        return 0.0
    return round(part / whole * 100.0, 2)
