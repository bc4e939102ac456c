"""dask_recipe -- analyse a JSON Lines corpus on a Dask cluster with the unspin binding.

    /usr/bin/python3 -m unspin.dask_recipe --scheduler tcp://127.0.0.1:8786 \\
        --input corpus.jsonl --partitions 8 --out results/

The driver splits the input into --partitions byte ranges that start and end
on line boundaries (it reads only a few bytes around each cut), and submits
one task per range. A task runs on a worker, loads the model once per worker
process (cached in a module global, so later tasks reuse it), analyses its
lines with unspin.Model and writes OUT/part-00000.jsonl ... (one output line
per input line, errors as {"id","error"}, written to a temporary name and
renamed). The driver then checks that the output lines add up to the input
lines and prints a summary.

Assumptions: the input and --out are on a file system that the driver and
every worker see at the same path (NFS, a single host...), and the workers can
import this package (PYTHONPATH=python, or pip install) and load
libunspin.so and the model ($UNSPIN_LIB, $UNSPIN_MODEL or the repository
layout). Output lines follow the `unspin batch` shape, but other members are
re-serialised by Python's json module, not copied byte for byte.
"""

import argparse
import json
import os
import sys
import threading
import time

_models = {}                 # per worker process: model path -> unspin.Model
_models_lock = threading.Lock()


def _model(path):
    import unspin
    key = path or unspin.default_model_path()
    with _models_lock:
        m = _models.get(key)
        if m is None:
            m = _models[key] = unspin.Model(key)
        return m


def partition_ranges(path, n):
    """Byte ranges [(start, end)] covering the file, each on line boundaries.
    Fewer than n ranges when lines are long; a range may not be empty."""
    size = os.path.getsize(path)
    cuts = [0]
    with open(path, "rb") as f:
        for i in range(1, max(n, 1)):
            target = size * i // n
            if target <= cuts[-1]:
                continue
            f.seek(target - 1)
            f.readline()            # to just after the '\n' ending the line at target-1
            pos = f.tell()
            if cuts[-1] < pos < size:
                cuts.append(pos)
    cuts.append(size)
    return [(cuts[i], cuts[i + 1]) for i in range(len(cuts) - 1) if cuts[i] < cuts[i + 1]] \
        or [(0, 0)]


def _record_out(m, raw, where, lang, explain):
    line = raw.rstrip(b"\n")
    if line.endswith(b"\r"):
        line = line[:-1]
    if not line.strip():
        return {"id": None, "error": "%s: blank line" % where}
    try:
        rec = json.loads(line.decode("utf-8"))
    except UnicodeDecodeError as e:
        return {"id": None, "error": "%s: invalid UTF-8 at byte %d of the line" % (where, e.start)}
    except ValueError as e:
        return {"id": None, "error": "%s: invalid JSON: %s" % (where, e)}
    out = m.analyze_record(rec, explain=explain, lang=lang)
    if "error" in out:
        out["error"] = "%s: %s" % (where, out["error"])
    return out


def analyse_partition(index, input_path, start, end, out_dir, first_line,
                      model_path=None, lang=None, explain=False):
    """Dask task: analyses input_path[start:end) into out_dir/part-INDEX.jsonl.
    first_line: 1-based line number of the first line (for error messages), or
    None when unknown. Returns a dict of counts and the ids in order."""
    m = _model(model_path)
    name = os.path.join(out_dir, "part-%05d.jsonl" % index)
    tmp = name + ".tmp.%d" % os.getpid()
    n_in = n_ok = n_err = 0
    ids = []
    t0 = time.time()
    with open(input_path, "rb") as f, open(tmp, "w", encoding="utf-8") as out:
        f.seek(start)
        pos = start
        while pos < end:
            raw = f.readline()
            if not raw:
                break
            pos += len(raw)
            n_in += 1
            where = "%s:%s" % (os.path.basename(input_path),
                               first_line + n_in - 1 if first_line else "+%d@%d" % (n_in, start))
            o = _record_out(m, raw, where, lang, explain)
            if "error" in o:
                n_err += 1
            else:
                n_ok += 1
            ids.append(o.get("id"))
            out.write(json.dumps(o, ensure_ascii=False) + "\n")
    os.replace(tmp, name)
    return {"index": index, "path": name, "lines_in": n_in, "analysed": n_ok, "failed": n_err,
            "ids": ids, "seconds": time.time() - t0, "worker_pid": os.getpid()}


def _count_lines(path, start=0, end=None):
    n = 0
    last = b"\n"
    with open(path, "rb") as f:
        f.seek(start)
        left = (os.path.getsize(path) if end is None else end) - start
        while left > 0:
            b = f.read(min(left, 1 << 20))
            if not b:
                break
            n += b.count(b"\n")
            last = b[-1:]
            left -= len(b)
    return n + (1 if last != b"\n" else 0)


def run(scheduler, input_path, partitions, out_dir, model_path=None, lang=None, explain=False,
        verbose=True):
    """Runs the recipe; returns the summary dict. Raises RuntimeError when the
    output line count differs from the input line count."""
    from distributed import Client
    input_path = os.path.abspath(input_path)
    out_dir = os.path.abspath(out_dir)
    os.makedirs(out_dir, exist_ok=True)
    ranges = partition_ranges(input_path, partitions)
    firsts, line = [], 1
    for s, e in ranges:          # line numbers for messages: one cheap counting pass
        firsts.append(line)
        line += _count_lines(input_path, s, e) if e > s else 0
    # by reference, also under `python -m` (where this file is __main__, whose
    # functions cloudpickle would ship by value together with the module lock)
    from unspin.dask_recipe import analyse_partition as task
    t0 = time.time()
    with Client(scheduler) as client:
        futs = [client.submit(task, i, input_path, s, e, out_dir, firsts[i],
                              model_path, lang, explain, pure=False)
                for i, (s, e) in enumerate(ranges)]
        parts = client.gather(futs)
    dt = time.time() - t0
    n_in = _count_lines(input_path) if os.path.getsize(input_path) else 0
    n_out = sum(_count_lines(p["path"]) if os.path.getsize(p["path"]) else 0 for p in parts)
    summary = {"input": input_path, "out": out_dir, "partitions": len(parts),
               "lines_in": n_in, "lines_out": n_out,
               "analysed": sum(p["analysed"] for p in parts),
               "failed": sum(p["failed"] for p in parts),
               "workers": len({p["worker_pid"] for p in parts}),
               "seconds": round(dt, 3)}
    if verbose:
        print("unspin dask: %(partitions)d partitions on %(workers)d worker(s): "
              "%(lines_in)d lines in, %(lines_out)d lines out, %(analysed)d analysed, "
              "%(failed)d failed, %(seconds).2f s" % summary)
    if n_in != n_out:
        raise RuntimeError("unspin dask: %d lines in but %d lines out" % (n_in, n_out))
    summary["parts"] = [{k: v for k, v in p.items() if k != "ids"} for p in parts]
    summary["ids"] = [p["ids"] for p in parts]
    return summary


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python3 -m unspin.dask_recipe",
                                 description="Analyse a JSONL corpus on a Dask cluster.")
    ap.add_argument("--scheduler", required=True, help="scheduler address, tcp://HOST:PORT")
    ap.add_argument("--input", required=True, help="JSON Lines corpus")
    ap.add_argument("--partitions", type=int, default=8, help="number of byte-range partitions")
    ap.add_argument("--out", required=True, help="output folder (part-NNNNN.jsonl)")
    ap.add_argument("--model", default=None, help="model file (default: the shipped model)")
    ap.add_argument("--lang", default=None, help="language of records without \"lang\"")
    ap.add_argument("--explain", action="store_true", help="add cues to the results")
    ap.add_argument("--json-summary", action="store_true", help="print the summary as JSON")
    a = ap.parse_args(argv)
    if a.partitions < 1:
        ap.error("--partitions must be at least 1")
    try:
        s = run(a.scheduler, a.input, a.partitions, a.out, a.model, a.lang, a.explain,
                verbose=not a.json_summary)
    except RuntimeError as e:
        print(e, file=sys.stderr)
        return 1
    except OSError as e:
        print("unspin dask: %s" % e, file=sys.stderr)
        return 1
    if a.json_summary:
        print(json.dumps(s))
    return 0 if s["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
