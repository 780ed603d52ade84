"""Regenerate records-issue11.json: every config of configs/manifest.json at fp32 b1, bf16-autocast b1 and
bf16-autocast b2 (seq 128), each measured by record.py in its own process.
  TF_SRC=<transformers at 99f9f1042f59f60de9a8f0538c1117e4eca38ef9>/src /usr/bin/python3 run_all.py OUT.json [FAILURES.json]
"""
import os, sys, json, subprocess, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
RUNS = [("fp32", 1), ("bf16", 1), ("bf16", 2)]
SEQ = 128


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "records-issue11.json"
    fout = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(os.path.abspath(out)), "failures-issue11.json")
    only = set(os.environ.get("ONLY", "").split(",")) - {""}
    manifest = json.load(open(os.path.join(HERE, "configs", "manifest.json")))
    records, failures = [], []
    for m in manifest:
        if only and m["file"] not in only:
            continue
        for prec, b in RUNS:
            with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tf:
                tmp = tf.name
            cmd = [sys.executable, os.path.join(HERE, "record.py"), os.path.join(HERE, "configs", m["file"]), prec,
                   str(b), str(SEQ), "--name", m["name"], "--out", tmp]
            p = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, PYTHONWARNINGS="ignore"))
            if p.returncode != 0:
                err = (p.stderr.strip().splitlines() or ["?"])[-1]
                failures.append(dict(config=m["name"], model_type=json.load(open(os.path.join(HERE, "configs", m["file"])))["model_type"],
                                     file=m["file"], dtype=prec, batch=b, error=err, stderr_tail=p.stderr[-3000:]))
                print(f"FAIL {m['name']} {prec} b{b}: {err}", flush=True)
                continue
            r = json.load(open(tmp)); os.unlink(tmp)
            r["exercised"] = m["exercised"]
            r["notes"] = list(m["notes"]) + r["notes"]
            r["config_file"] = "harness/configs/" + m["file"]
            records.append(r)
            print(f"{m['name']:<72} {r['dtype']:<18} b{b} torch2 {r['saved_bytes_torch2']:>10} 1.13 {r['saved_bytes']:>10} "
                  f"fwd {r['fwd_matmul_flops']:>11} bwd {r['bwd_matmul_flops']:>11}", flush=True)
    json.dump(records, open(out, "w"), indent=1)
    json.dump(failures, open(fout, "w"), indent=1)
    print(f"{len(records)} records -> {out}; {len(failures)} failures -> {fout}")


if __name__ == "__main__":
    main()
