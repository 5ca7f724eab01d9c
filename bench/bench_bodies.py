"""Body-rendering benchmark for hostile shapes: prints seconds per body and per MB (no pass/fail).

    python bench/bench_bodies.py [--scale 1.0]

Each shape is rendered at its size and at twice its size: a steady MB/s (a ratio near 2) is
linear time; a ratio near 4 would be the quadratic behaviour the cost guard exists to stop.
The figures from before the guard, for scale: 20 kB of `[` took 92 s, `![` × 10,000 47 s,
100 kB of `<` 10 s in the meta description.
"""

from __future__ import annotations

import argparse
import time

from threadpress.render import cost
from threadpress.render.bodies import render
from threadpress.render.views import excerpt

SHAPES = {
    "[ x 20,000": ("[", 20_000),
    "![ x 10,000": ("![", 10_000),
    "[a]( x 5,000": ("[a](", 5_000),
    "'# a' lines x 10,000": ("# a\n", 10_000),
    "'- ' lines x 10,000": ("- \n", 10_000),
    "*a* x 40,000": ("*a*", 40_000),
    "``` lines x 30,000": ("```\n", 30_000),
    "> x 40,000 (one line)": ("> ", 40_000),
    "prose with links x 2,000": ("A [link](https://example.org/a) with *stress* and `code`.\n\n",
                                 2_000),
}


def timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0)
    scale = ap.parse_args().scale
    print(f"{'shape':28} {'size':>9} {'seconds':>8} {'x2 ratio':>8}  path")
    for name, (token, n) in SHAPES.items():
        n = max(1, int(n * scale))
        body = token * n
        one = timed(render, body, "markdown", lambda _: False)
        two = timed(render, body * 2, "markdown", lambda _: False)
        path = "text" if cost.markdown_cost(body) > cost.MARKDOWN_BUDGET else "markdown"
        print(f"{name:28} {len(body):>9,} {one:>8.3f} {two / max(one, 1e-9):>8.1f}  {path}")
    for n in (100_000, 1_000_000):
        n = max(1, int(n * scale))
        print(f"{'description, < x ' + format(n, ','):28} {n:>9,} "
              f"{timed(lambda b: excerpt(render(b, 'markdown', lambda _: False)), '<' * n):>8.3f}")
    body = ">>x" + "." * int(40_000 * scale)
    print(f"{'>>x and 40,000 dots':28} {len(body):>9,} "
          f"{timed(render, body, 'text', {'x'}.__contains__):>8.3f}")


if __name__ == "__main__":
    main()
