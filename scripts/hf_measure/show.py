"""Print every saved tensor of one measurement (pack order):
  cd harness && TF_SRC=<tree>/src PYTHONPATH=. /usr/bin/python3 show.py configs/X.json {fp32|bf16} [BATCH] [FILTER]"""
import sys, json, record
r = record.measure(json.load(open(sys.argv[1])), sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 1, 128, name=sys.argv[1])
print("saved_bytes", r["saved_bytes"], "torch2", r["saved_bytes_torch2"], "fwd", r["fwd_matmul_flops"], dict(r["saved_bytes_by_category"]), r["notes"])
flt = sys.argv[4] if len(sys.argv) > 4 else None
for t in r["saved_tensors"]:
    if flt is None or flt in json.dumps(t):
        print(f'{t["counted_bytes"]:>9} {t["category"]:<11} {t["module"]:<46} {t["grad_fn"]:<26} {t["slot"]:<10} '
              f'{t["dtype"]}{t["shape"]} view={t["is_view"]} storage={t["storage_id"]}')
