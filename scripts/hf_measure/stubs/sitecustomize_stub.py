import sys, types, importlib.abc, importlib.machinery
STUB_ROOTS = ("huggingface_hub", "safetensors", "tokenizers")
class _Dummy:
    def __init__(self, *a, **k): pass
    def __call__(self, *a, **k): return _Dummy()
    def __getattr__(self, n): return _Dummy()
    def __mro_entries__(self, bases): return (object,)
    def __iter__(self): return iter(())
    def __bool__(self): return False
class _StubModule(types.ModuleType):
    __version__ = "0.30.0"
    def __getattr__(self, name):
        if name.startswith("__"): raise AttributeError(name)
        # classes for exceptions / bases
        if name.isupper() or (name.replace('_','').isupper()):
            v = "/tmp/h4_hfhome/" + name; setattr(self, name, v); return v
        if name[0].isupper():
            cls = type(name, (Exception,), {})
            setattr(self, name, cls); return cls
        d = _Dummy(); setattr(self, name, d); return d
class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path, target=None):
        if fullname.split(".")[0] in STUB_ROOTS:
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None
    def create_module(self, spec):
        m = _StubModule(spec.name); m.__path__ = []; return m
    def exec_module(self, module): pass
sys.meta_path.insert(0, _Finder())
import torch
if not hasattr(torch, "compiler"):
    def _disable(fn=None, recursive=True):
        if fn is None: return lambda f: f
        return fn
    torch.compiler = types.SimpleNamespace(disable=_disable, is_compiling=lambda: False)
for _n in ("float8_e4m3fn", "float8_e5m2", "uint16", "uint32", "uint64"):
    if not hasattr(torch, _n):
        setattr(torch, _n, torch.uint8)
import inspect as _inspect
if "bias" not in _inspect.signature(torch.nn.LayerNorm.__init__).parameters:
    _LN = torch.nn.LayerNorm
    class _LayerNorm(_LN):
        def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None, dtype=None):
            super().__init__(normalized_shape, eps=eps, elementwise_affine=elementwise_affine, device=device, dtype=dtype)
            if elementwise_affine and not bias:
                self.register_parameter("bias", None)
    torch.nn.LayerNorm = _LayerNorm
