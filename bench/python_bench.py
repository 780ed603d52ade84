"""The cost of a call from Python (issue 17's target: within 2x of the C++ call plus a few
microseconds, so that a 10,000-point sweep takes well under a second).

For each line of bench/calls.txt it times, with timeit (the best of 5 repeats):
  C++ call   tsize._tsize.run(args): the command line in-process, as the module reaches it
             (strings in, JSON bytes out, the GIL released). build/tsize_bench's BM_CliRun times
             the same call from C++.
  Python     tsize.COMMAND(model, **kwargs): the whole call, keyword arguments to a Result
             holding the parsed JSON.
Then a sweep: tsize.memory("llama-3-8b", batch=b, seq=s, gpu="H100-SXM")["peak"] over
100 batches x 100 sequence lengths (10,000 calls).

Run: PYTHONPATH=python /usr/bin/python3 bench/python_bench.py   (after `make python`)
"""

import os
import timeit

import tsize
from tsize import _tsize

CALLS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "calls.txt")


def as_call(args):
    """`memory llama-3-8b --batch 8 --format json` -> ("memory", "llama-3-8b", {"batch": "8"})."""
    command, model, rest = args[0], args[1], args[2:]
    kwargs = {}
    i = 0
    while i < len(rest):
        key = rest[i][2:].replace("-", "_")
        kwargs[key] = rest[i + 1]
        i += 2
    kwargs.pop("format", None)
    return getattr(tsize, command), model, kwargs


def best(fn, number):
    return min(timeit.repeat(fn, number=number, repeat=5)) / number


def main():
    print(f"{'call':<58} {'C++ call':>10} {'Python':>10} {'ratio':>6} {'extra':>8}")
    with open(CALLS, encoding="utf-8") as f:
        lines = [line.split() for line in f if line.strip()]
    for args in lines:
        fn, model, kwargs = as_call(args)
        _tsize.run(args)
        fn(model, **kwargs)
        cpp = best(lambda: _tsize.run(args), 300)
        py = best(lambda: fn(model, **kwargs), 300)
        print(f"{' '.join(args):<58} {cpp * 1e6:>8.1f}us {py * 1e6:>8.1f}us "
              f"{py / cpp:>6.2f} {(py - cpp) * 1e6:>6.1f}us")
    batches, seqs = range(1, 101), range(64, 6464, 64)
    start = timeit.default_timer()
    peaks = [tsize.memory("llama-3-8b", batch=b, seq=s, gpu="H100-SXM")["peak"]
             for b in batches for s in seqs]
    seconds = timeit.default_timer() - start
    print(f"sweep: {len(peaks):,} calls of tsize.memory in {seconds:.2f} s "
          f"({seconds / len(peaks) * 1e6:.0f} us a point)")


if __name__ == "__main__":
    main()
