# Import-time shims so that transformers at commit 99f9f1042f59f60de9a8f0538c1117e4eca38ef9
# (which declares torch>=2.0) imports on Debian's CPU torch 1.13.1 without editing its source tree.
# None of these touches a computation that the measured models run.
import sys, types

SHIMS = []

# 1. huggingface_hub / safetensors / tokenizers: stand-in modules (imported at module level, never
#    called for a model built from a config) -- see sitecustomize_stub.py (also: torch.compiler,
#    float8/uint16.. dtype placeholders, nn.LayerNorm(bias=...) keyword).
import sitecustomize_stub  # noqa: E402,F401
SHIMS += [
    "huggingface_hub, safetensors, tokenizers: stand-in modules (imported at module level by transformers, never called)",
    "torch.compiler: disable() identity decorator, is_compiling() False (torch 1.13 has no torch.compiler)",
    "torch.float8_e4m3fn, torch.float8_e5m2, torch.uint16, torch.uint32, torch.uint64: placeholders (dtype tables only)",
    "torch.nn.LayerNorm: subclass accepting bias=False (torch>=2.1 keyword; registers bias=None), forward unchanged",
]

# 2. torch.distributed.tensor: modeling_utils.py does `import torch.distributed.tensor` and never uses it.
import torch  # noqa: E402
try:
    import torch.distributed.tensor  # noqa: F401
except Exception:
    m = types.ModuleType("torch.distributed.tensor")
    class _Placeholder:  # DTensor, Placement, Replicate, Shard (only referenced under torch>=2.5 guards)
        pass
    for _n in ("DTensor", "Placement", "Replicate", "Shard"):
        setattr(m, _n, type(_n, (_Placeholder,), {}))
    sys.modules["torch.distributed.tensor"] = m
    import torch.distributed as _td
    _td.tensor = m
    SHIMS.append("torch.distributed.tensor: empty module (modeling_utils imports it, never uses it)")

# 3. transformers.dependency_versions_check: its import-time version checks fail because
#    huggingface-hub/tokenizers/safetensors are stand-ins. Pre-registered as a module with a no-op
#    dep_version_check(); the source tree is not edited.
_dvc = types.ModuleType("transformers.dependency_versions_check")
_dvc.dep_version_check = lambda pkg, hint=None: None
sys.modules["transformers.dependency_versions_check"] = _dvc
SHIMS.append("transformers.dependency_versions_check: replaced by a no-op module (import-time package version checks)")
