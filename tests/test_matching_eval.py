"""The labelled evaluation set: the need → listing matching holds precision@5 ≥ 0.6."""

from tests.eval.harness import evaluate, load_pool
from tests.eval.needs import DEV_NEEDS
from tests.eval.pool import POOL

THRESHOLD = 0.6


def test_the_evaluation_set_is_realistic_in_size():
    assert len(POOL) >= 150 and len(DEV_NEEDS) >= 12
    keys = {row[0] for row in POOL}
    assert len(keys) == len(POOL)
    for need in DEV_NEEDS:
        assert set(need[-1]) <= keys and len(need[-1]) >= 5


def test_precision_at_5_on_the_evaluation_set(app):
    result = evaluate(DEV_NEEDS, load_pool())
    report = "\n".join(f"{row['precision']:.1f} {row['title']}: {row['top']}" for row in result["needs"])
    assert result["precision_at_5"] >= THRESHOLD, report
