"""Where a gunicorn worker's time goes: summarise py-spy's raw (collapsed) stacks.

    py-spy record --pid WORKER -d 10 -r 200 --format raw -o worker.txt --nonblocking
    python tools/bench/pyspy_summary.py worker.txt [more.txt ...]

Prints the share of samples in which each function is on the stack (inclusive) and at its top (own
time). Under gevent the samples are those of the one thread, so idle time waiting on sockets is not
counted: the shares are shares of the worker's busy time.
"""

import re
import sys
from collections import Counter

FRAME = re.compile(r"(.*?) \((.*?):(\d+)\)")


def frame_name(frame: str) -> str:
    m = FRAME.match(frame)
    return f"{m.group(1)} ({m.group(2).split('site-packages/')[-1]})" if m else frame


def main(paths: list[str], top: int = 40) -> None:
    inclusive, own, total = Counter(), Counter(), 0
    for path in paths:
        for line in open(path):
            stack, _, count = line.rstrip().rpartition(" ")
            if not stack:
                continue
            n, frames = int(count), [frame_name(f) for f in stack.split(";")]
            total += n
            for name in set(frames):
                inclusive[name] += n
            own[frames[-1]] += n
    print(f"{total} samples")
    print("inclusive:")
    for name, n in inclusive.most_common(top):
        print(f"{100 * n / total:5.1f}%  {name}")
    print("own:")
    for name, n in own.most_common(top // 2):
        print(f"{100 * n / total:5.1f}%  {name}")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
