"""The evaluation pool: realistic Chinese patent listings, hand-written, kept as a table in
``pool.tsv`` beside this module.

Each entry is ``(key, field, trl, modes, price in 万元 or None, title, abstract)``; modes are
letters: o ordinary, s sole, e exclusive licence, t transfer, q equity, p open licence, f try first.
Topics come in clusters of about five listings (the table's ``#`` lines name them), and many
listings are near misses for other topics' needs: the same words in another field (电池 in fault
diagnosis, 缺陷检测 by ultrasound, 质子交换膜 for electrolysis), or the same field for another problem.
"""

import csv
from pathlib import Path


def _read(path: Path) -> list[tuple]:
    """The table's rows as tuples, with the numbers as numbers and an empty price as None."""
    with path.open(encoding="utf-8", newline="") as table:
        lines = (line for line in table if not line.startswith("#"))
        return [(row["key"], row["field"], int(row["trl"]), row["modes"],
                 int(row["price"]) if row["price"] else None, row["title"], row["abstract"])
                for row in csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)]


POOL = _read(Path(__file__).with_name("pool.tsv"))
