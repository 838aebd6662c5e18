"""Every sortable column of the complaints grid, against the grid in its default order.

On the register of bench/scale_bench.py (BENCH_DATABASE_URL for PostgreSQL, else a SQLite
file), signed in as the demo coordinator and the demo administrator, requests the grid's
first page sorted by each heading that offers a sort (the links on the page itself), in
process through the test client, and prints the median of --repeats beside the default
order's. Goal (issue "fast at a million complaints"): every sort served by an index, so
within a small factor of the default order, however large the register.

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/grid_sort_bench.py                 # 1,000,000 complaints
    .venv/bin/python bench/grid_sort_bench.py --size 20000        # SQLite, quick
"""

import argparse
import logging
import os
import re
import statistics
import sys
import time
from html import unescape
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import scale_bench  # noqa: E402

GOAL = 3.0


def median_ms(client, url: str, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise SystemExit(f"{url}: {response.status_code}")
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    logging.disable(logging.INFO)
    os.environ["SECOND_FACTOR_REQUIRED"] = "off"
    app = scale_bench.prepare(args.size, False)
    with app.app_context():
        print(f"{args.size:,} complaints, median of {args.repeats}\n")
        print(f"{'user':<13}{'sorted by':<18}{'ms':>8}{'x default':>11}")
        worst = 0.0
        for username in ("coordinator", "admin"):
            client = scale_bench.signed_in(app, username)
            page = client.get("/admin/complaint/").get_data(as_text=True)
            sorts = dict(
                (title, unescape(url))
                for url, title in re.findall(
                    r'href="(/admin/complaint/\?sort=\d+[^"]*)" title="Sort by ([^"]+)"', page
                )
            )
            median_ms(client, "/admin/complaint/", 2)  # warm
            default = median_ms(client, "/admin/complaint/", args.repeats)
            print(f"{username:<13}{'(default)':<18}{default:>8.1f}{1:>11.2f}")
            for title, url in sorted(sorts.items()):
                for direction, suffix in (("", ""), (" desc", "&desc=1")):
                    ms = median_ms(client, url + suffix, args.repeats)
                    worst = max(worst, ms / default)
                    print(f"{username:<13}{title + direction:<18}{ms:>8.1f}{ms / default:>11.2f}")
        verdict = "met" if worst <= GOAL else "NOT met"
        print(f"\nslowest sort {worst:.2f}x the default order (goal <= {GOAL}x: {verdict})")


if __name__ == "__main__":
    main()
