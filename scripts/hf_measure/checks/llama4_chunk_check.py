"""Llama4 cross-check: attention_chunk_size 64 (< seq) + a bool attention_mask of ones vs the record's
attention_chunk_size 8192 without a mask. The mask is additive (saves nothing), so saved bytes and FLOPs
must agree (the chunk-64 values differ: this commit's eager chunked mask fills the allowed positions).
  cd harness && TF_SRC=<tree>/src PYTHONPATH=. /usr/bin/python3 checks/llama4_chunk_check.py"""
import os, json, torch, record
HERE = os.path.dirname(os.path.abspath(__file__))
base = json.load(open(os.path.join(HERE, "..", "configs", "llama4_text.json")))
c64 = json.load(open(os.path.join(HERE, "llama4_chunk64.json")))
mask = lambda ids: {"attention_mask": torch.ones_like(ids, dtype=torch.bool)}
for prec in ["fp32", "bf16"]:
    a = record.measure(base, prec, 1, 128, name="chunk8192", with_tensors=False)
    b = record.measure(c64, prec, 1, 128, name="chunk64+mask", with_tensors=False, extra=mask)
    same = (a["saved_bytes_torch2"], a["saved_bytes"], a["fwd_matmul_flops"], a["bwd_matmul_flops"]) == \
           (b["saved_bytes_torch2"], b["saved_bytes"], b["fwd_matmul_flops"], b["bwd_matmul_flops"])
    print(prec, "chunk8192:", a["saved_bytes_torch2"], a["saved_bytes"], a["fwd_matmul_flops"],
          "| chunk64+mask:", b["saved_bytes_torch2"], b["saved_bytes"], b["fwd_matmul_flops"],
          "| losses", a["loss"], b["loss"], "| SAME" if same else "| DIFFERENT")
