"""Numbers read from the query string or a form's hidden fields, refused rather than guessed."""

# Ids, years and page numbers of this application all fit in nine digits; anything longer is
# junk (and would overflow SQLite's integers, or Python's limit on converting long strings).
MAX_DIGITS = 9


def plain_int(value, *, max_digits: int = MAX_DIGITS) -> int | None:
    """'2026' → 2026; None for anything that is not 1–max_digits ASCII digits.

    ``str.isdigit()`` alone is not enough: "²" is a digit to it, and ``int("²")`` raises.
    """
    text = str(value if value is not None else "").strip()
    if not text or len(text) > max_digits or not (text.isascii() and text.isdigit()):
        return None
    return int(text)
