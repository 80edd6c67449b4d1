"""What the normal form of text costs the indexing: time per listing, on synthetic listings.

    .venv/bin/python bench/normalise.py                 # 1,000 listings
    .venv/bin/python bench/normalise.py --listings 5000 --runs 5

Makes the text of ``--listings`` synthetic listings (``listings.synthetic``: title, and the body
``search.document`` indexes: abstract, keywords, IPC codes, inventors, university, number) and
times, best of ``--runs``: ``text.normalise`` alone, its OpenCC step alone, and the tokens for
the index (``search.tokens_for_index``: normalise, then segment). No database.
"""

import argparse
import os
import time

from build import ROOT  # noqa: F401  (first: puts the project on sys.path)
from search import machine

from marketplace import text
from marketplace.listings import search
from marketplace.listings.synthetic import ListingFactory


def texts(count: int) -> list[str]:
    factory, result = ListingFactory(seed=7), []
    for _ in range(count):
        data = factory.data("王晓梅", "tto@example.edu.cn")
        result.append(data["title"])
        result.append(" ".join(filter(None, [data["abstract"], data.get("keywords"), data.get("ipc_codes"),
                                             data["inventors"], "华东理工科技大学",
                                             data.get("application_number")])))
    return result


def best(function, items: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        for item in items:
            function(item)
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    items = texts(args.listings)
    search.tokens_for_index("预热")  # the segmenter's dictionary, once
    print(f"{machine()}; load average {os.getloadavg()[0]:.2f}")
    print(f"{args.listings} listings, {sum(map(len, items)) / args.listings:.0f} characters each")
    for name, function in (("normalise (NFKC, OpenCC t2s, case, spaces)", text.normalise),
                           ("  of which OpenCC t2s", text._simplified),
                           ("tokens for the index (normalise + jieba)", search.tokens_for_index)):
        total = best(function, items, args.runs)
        print(f"{name:45s} {total * 1000:8.1f} ms  {total * 1e6 / args.listings:7.1f} µs a listing")


if __name__ == "__main__":
    main()
