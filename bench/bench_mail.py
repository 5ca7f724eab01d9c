"""Benchmark mail folding: render mail threads of growing size, print time per message.

    python bench/bench_mail.py            # 1,000 / 2,000 / 4,000 / 8,000 messages
    python bench/bench_mail.py --sizes 500 1000

Each message replies to a random earlier one, quotes it whole under an attribution line, and
ends with a signature and the list footer, as list mail does. Figures are the time of
`views.thread_view` (every body rendered, quotes folded) with and without the `message_id`
that makes a thread mail, and the time per message: flat figures mean linear time.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "generator"))

from threadpress.load import load_text  # noqa: E402
from threadpress.render import bodies, views  # noqa: E402

import yaml  # noqa: E402

FOOTER = ("---------------------------------------------------------------------\n"
          "To unsubscribe, e-mail: dev-unsubscribe@lists.example.org\n"
          "For additional commands, e-mail: dev-help@lists.example.org")
WORDS = ("release branch resolver plugin build reactor module version snapshot vote test "
         "merge provider demo tasks artifact maven api change package").split()


def own_text(rng: random.Random, i: int) -> str:
    paras = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 60))) + f" ({i})"
             for _ in range(rng.randint(1, 3))]
    return "\n\n".join(paras)


def thread(n: int, mail: bool) -> dict:
    rng = random.Random(n)
    texts = [own_text(rng, 0)]
    comments = []
    for i in range(1, n):
        parent = rng.randrange(i)
        quoted = "\n".join("> " + line for line in texts[parent].split("\n"))
        texts.append(own_text(rng, i))
        body = (f"{texts[i]}\n\nPerson {i}\n-- \nPerson {i}, somewhere\n\n"
                f"On Mon, 6 Nov 2017, Person {parent} wrote:\n{quoted}\n\n{FOOTER}")
        c = {"id": f"m{i}", "format": "text", "body": body}
        if parent:
            c["parent"] = f"m{parent}"
        comments.append(c)
    t = {"title": "A long list thread", "format": "text", "body": texts[0] + "\n\n" + FOOTER,
         "comments": comments}
    if mail:
        t["message_id"] = "root@lists.example.org"
    return t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 4000, 8000])
    args = ap.parse_args()
    views.thread_view(load_text(yaml.safe_dump(thread(50, True)), "w.yaml", "w")[0])  # warm up
    print(f"{'messages':>9} {'plain s':>8} {'folded s':>9} {'µs/message folded':>18}")
    for n in args.sizes:
        times = {}
        for mail in (False, True):
            loaded, _ = load_text(yaml.safe_dump(thread(n, mail), sort_keys=False), "t.yaml", "t")
            bodies._CACHE.clear()   # each run renders every body
            start = time.perf_counter()
            view = views.thread_view(loaded)
            times[mail] = time.perf_counter() - start
            assert len(view.comments) == n - 1
        print(f"{n:>9} {times[False]:>8.2f} {times[True]:>9.2f} {times[True] / n * 1e6:>18.0f}")


if __name__ == "__main__":
    main()
