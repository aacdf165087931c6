"""Benchmark: the drug vocabulary's size and how long identify() takes per medication name.

    .venv/bin/python bench/drug_vocabulary.py [--repeat 50]

Prints the number of terms per source, then times identify() on every product string of
tests/patients/rules/product_strings.tsv (each name --repeat times, best of those runs per
name) and prints the median, 95th percentile and slowest name, with recall and false
positives on the same set. Pure Python: no database, no Django.
"""

import argparse
import csv
import platform
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from patients.rules.drug_vocabulary import (  # noqa: E402
    TERMS,
    THYROID_TERMS,
    VOCABULARY_VERSION,
    identify,
)

STRINGS = ROOT / "tests" / "patients" / "rules" / "product_strings.tsv"


def _product_strings() -> list[dict[str, str]]:
    lines = [line for line in STRINGS.read_text(encoding="utf-8").splitlines() if line[:1] != "#"]
    return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()

    print(f"drug vocabulary {VOCABULARY_VERSION}: {len(TERMS)} opioid and naltrexone terms")
    for source, count in sorted(Counter(t.source for t in TERMS).items()):
        print(f"  {source:<24} {count:>4}")
    print(f"  {len(THYROID_TERMS)} thyroid hormone terms")

    products = _product_strings()
    timings = []
    for product in products:
        runs = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            identify(product["name"])
            runs.append(time.perf_counter() - start)
        timings.append((min(runs), product["name"]))
    timings.sort()
    seconds = [t for t, _ in timings]

    positives = [p for p in products if p["expected"] != "none"]
    found = 0
    for p in positives:
        match = identify(p["name"])
        found += match is not None and match.ingredient == p["expected"]
    negatives = [p for p in products if p["expected"] == "none"]
    flagged = sum(identify(p["name"]) is not None for p in negatives)

    print(f"{len(products)} product strings, {platform.python_version()} on {platform.machine()}")
    print(f"  recall {found}/{len(positives)}, false positives {flagged}/{len(negatives)}")
    print(f"  identify() median {statistics.median(seconds) * 1e6:.1f} µs", end="")
    print(f", 95th percentile {seconds[int(0.95 * len(seconds))] * 1e6:.1f} µs", end="")
    print(f", slowest {seconds[-1] * 1e6:.1f} µs ({timings[-1][1]!r})")


if __name__ == "__main__":
    main()
