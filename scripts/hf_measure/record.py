"""Measure one HuggingFace transformers causal LM (built from a config) the way
/tmp/tsize-ref/hf-measured/records.json was made, and return a record with the same schema.

  TF_SRC=<transformers checkout>/src /usr/bin/python3 record.py CONFIG.json {fp32|bf16} [BATCH] [SEQ]

Method (hf-measured/README.md):
  * XForCausalLM from the config, attn_implementation="eager", every dropout 0, use_cache=False,
    model.train(), labels = input_ids (transformers' ForCausalLMLoss).
  * saved tensors: torch.autograd.graph.saved_tensors_hooks around the forward (and the loss);
    each pack is attributed to the innermost running module (forward pre/post hooks) and, by walking
    the autograd graph from the loss and reading every node's _saved_* attribute, to a grad_fn and slot.
    Each storage is counted once (first pack in forward order). Categories: parameter (storage of a
    parameter), param_cast (autocast's bf16 copy of a parameter or of a view of one), input
    (storage of input_ids), buffer (storage of a module buffer), activation (the rest).
    saved_bytes = input + buffer + activation.  saved_bytes_torch2 = saved_bytes less storages saved
    only by MeanBackward1 'self' (torch 1.13 keeps mean's input; current PyTorch does not).
  * matmul FLOPs: a TorchDispatchMode below autograd counting aten mm/addmm/bmm/baddbmm at 2*m*n*k,
    forward (loss included) and backward apart, on a second identically seeded model.
"""
import os, sys, json, re, time, collections

HERE = os.path.dirname(os.path.abspath(__file__))
TF_SRC = os.environ.get("TF_SRC", "/tmp/h4/tf-pristine/src")
sys.path[:0] = [os.path.join(HERE, "stubs"), TF_SRC]
import shims  # noqa: E402
import ln_mixed  # noqa: E402
import torch  # noqa: E402
from torch.utils._python_dispatch import TorchDispatchMode  # noqa: E402
import transformers  # noqa: E402
from transformers import AutoConfig, AutoModelForCausalLM  # noqa: E402

TRANSFORMERS_COMMIT = "99f9f1042f59f60de9a8f0538c1117e4eca38ef9"
aten = torch.ops.aten
LN_SLOTS = ["input", "weight", "bias", "result1", "result2"]  # NativeLayerNormBackward0's saved slots


def collapse(name):
    return re.sub(r"\.\d+(?=\.|$)", ".*", name)


def layer_index(name):
    m = re.match(r"^(?:model|transformer|gpt_neox|base_model)?\.?(?:layers|h|blocks|layer|decoder\.layers)\.(\d+)(?:\.|$)", name)
    return int(m.group(1)) if m else None


def tkey(t):
    shape = "x".join(str(s) for s in t.shape) if t.dim() else "scalar"
    return f"{str(t.dtype).replace('torch.', '')}[{shape}]"


def storage_key(t):
    s = t.storage()
    return (s.data_ptr(), s.nbytes()) if s.data_ptr() != 0 else ("id", id(s), s.nbytes())


UNINITIALISED = {"Llama4TextExperts": ("gate_up_proj", "down_proj")}


def set_dropouts_zero(cfg):
    """Every float config attribute named *dropout* / *pdrop* -> 0 (DBRX: also inside attn_config /
    ffn_config). classifier_dropout is left alone: only sequence-classification heads read it
    (records.json left it at its default too)."""
    changed = {}
    def zero(obj, prefix):
        for k in list(vars(obj)):
            if k == "classifier_dropout" or not ("dropout" in k or "pdrop" in k):
                continue
            v = getattr(obj, k)
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                if v != 0:
                    changed[prefix + k] = v
                setattr(obj, k, 0.0)
    zero(cfg, "")
    for sub in ("attn_config", "ffn_config"):
        sc = getattr(cfg, sub, None)
        if sc is not None and not isinstance(sc, dict):
            zero(sc, sub + ".")
    return changed


def build(cfg_dict, seed):
    torch.manual_seed(seed)
    cfg = AutoConfig.for_model(**cfg_dict)
    cfg._attn_implementation = "eager"
    cfg.use_cache = False
    changed = set_dropouts_zero(cfg)
    model = AutoModelForCausalLM.from_config(cfg, attn_implementation="eager")
    model.train()
    # Parameters that the model's own _init_weights leaves as torch.empty (uninitialised memory) at this
    # commit: filled with normal(0, initializer_range) so the forward is finite and deterministic.
    # Values only -- shapes, dtypes, saved tensors and FLOPs do not depend on them.
    with torch.no_grad():
        for mn, m in model.named_modules():
            for pn in UNINITIALISED.get(type(m).__name__, ()):
                getattr(m, pn).normal_(mean=0.0, std=cfg.initializer_range)
                changed.setdefault("__init__", []).append(f"{mn}.{pn}")
    return cfg, model, changed


class MatmulCounter(TorchDispatchMode):
    COUNTED = ("mm", "addmm", "bmm", "baddbmm")
    OTHER_MATMUL = ("mv", "addmv", "dot", "vdot", "addbmm", "addr", "outer", "ger", "convolution",
                    "_convolution", "linalg_vecdot", "_scaled_dot_product_attention", "_scaled_dot_product_flash_attention")

    def __init__(self, stack):
        super().__init__()
        self.stack = stack
        self.by_op = collections.OrderedDict()
        self.by_module = collections.OrderedDict()
        self.shapes = collections.OrderedDict()
        self.not_counted = collections.OrderedDict()
        self.total = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        name = func.overloadpacket.__name__
        if name in self.COUNTED:
            if name == "mm":
                a, b = args[0], args[1]; f = 2 * a.shape[0] * a.shape[1] * b.shape[1]
                desc = f"mm ({a.shape[0]}x{a.shape[1]})@({b.shape[0]}x{b.shape[1]})"
            elif name == "addmm":
                a, b = args[1], args[2]; f = 2 * a.shape[0] * a.shape[1] * b.shape[1]
                desc = f"addmm ({a.shape[0]}x{a.shape[1]})@({b.shape[0]}x{b.shape[1]})"
            elif name == "bmm":
                a, b = args[0], args[1]; f = 2 * a.shape[0] * a.shape[1] * a.shape[2] * b.shape[2]
                desc = f"bmm {a.shape[0]}x({a.shape[1]}x{a.shape[2]})@({b.shape[1]}x{b.shape[2]})"
            else:
                a, b = args[1], args[2]; f = 2 * a.shape[0] * a.shape[1] * a.shape[2] * b.shape[2]
                desc = f"baddbmm {a.shape[0]}x({a.shape[1]}x{a.shape[2]})@({b.shape[1]}x{b.shape[2]})"
            if a.is_complex() or b.is_complex():
                self.not_counted[f"{name} complex"] = self.not_counted.get(f"{name} complex", 0) + 1
            self.total += f
            o = self.by_op.setdefault(name, {"calls": 0, "flops": 0}); o["calls"] += 1; o["flops"] += f
            m = collapse(self.stack[-1]) if self.stack else "<backward>"
            self.by_module[m] = self.by_module.get(m, 0) + f
            s = self.shapes.setdefault(desc, {"op_shape": desc, "calls": 0, "flops_each": f, "flops": 0})
            s["calls"] += 1; s["flops"] += f
        elif name in self.OTHER_MATMUL:
            self.not_counted[name] = self.not_counted.get(name, 0) + 1
        return out


def install_module_stack(model, stack, base):
    handles = []
    def pre(name):
        def f(m, inp): stack.append(name)
        return f
    def post(name):
        def f(m, inp, out): stack.pop()
        return f
    for n, m in model.named_modules():
        if n == "":
            continue
        handles.append(m.register_forward_pre_hook(pre(n)))
        handles.append(m.register_forward_hook(post(n)))
    stack[:] = [base]
    return handles


VIEW_NODES = ("TBackward0", "TransposeBackward0", "PermuteBackward0", "ViewBackward0", "SelectBackward0",
              "SliceBackward0", "UnsafeViewBackward0", "AsStridedBackward0", "ExpandBackward0", "SqueezeBackward0",
              "SqueezeBackward1", "UnsqueezeBackward0", "ReshapeAliasBackward0", "AliasBackward0", "SplitBackward0",
              "UnbindBackward0")


def is_param_cast(t):
    """autocast's low-precision copy of a parameter: the saved tensor reaches, through single-input nodes,
    a ToCopyBackward0 whose input is a parameter (AccumulateGrad) -- or, as in records.json's harness
    extended here, a view of a parameter (W.T in Falcon's `input @ self.weight.T`, DBRX's per-expert
    `w1.view(E, f, h)[e]`), reached through view-only nodes."""
    g = t.grad_fn
    for _ in range(6):
        if g is None:
            return False
        nm = type(g).__name__
        if nm == "ToCopyBackward0":
            nx = [x for x, _ in g.next_functions if x is not None]
            if len(nx) != 1:
                return False
            h = nx[0]
            for _ in range(6):
                if type(h).__name__ == "AccumulateGrad":
                    return True
                if type(h).__name__ not in VIEW_NODES:
                    return False
                hn = [x for x, _ in h.next_functions if x is not None]
                if len(hn) != 1:
                    return False
                h = hn[0]
            return False
        nx = [x for x, _ in g.next_functions if x is not None]
        if len(nx) != 1:
            return False
        g = nx[0]
    return False


def run_saved(cfg_dict, precision, batch, seq, seed, extra=None):
    cfg, model, changed = build(cfg_dict, seed)
    params = {p.storage().data_ptr() for p in model.parameters()}
    buffers = {}
    for n, b in model.named_buffers():
        buffers.setdefault(b.storage().data_ptr(), n)
    stack = []
    install_module_stack(model, stack, "<model.forward>")
    packed = []
    def pack(t):
        packed.append((t, stack[-1]))
        return len(packed) - 1
    cur = [None]
    info = {}
    recording = [True]
    def unpack(i):
        if recording[0]:
            c = cur[0].pop(0) if isinstance(cur[0], list) else cur[0]
            info.setdefault(i, []).append(c)
        return packed[i][0]
    ids = torch.randint(0, cfg.vocab_size, (batch, seq))
    ln_mixed.CALLS[0] = 0
    with torch.autograd.graph.saved_tensors_hooks(pack, unpack):
        if precision == "bf16":
            with torch.autocast("cpu", dtype=torch.bfloat16):
                out = model(input_ids=ids, labels=ids, use_cache=False, **(extra(ids) if extra else {}))
        else:
            out = model(input_ids=ids, labels=ids, use_cache=False, **(extra(ids) if extra else {}))
    ln_calls = ln_mixed.CALLS[0]
    loss = out.loss
    # walk the graph, reading every saved slot (this calls unpack with cur = (grad_fn, slot))
    seen = set(); todo = [loss.grad_fn]
    while todo:
        n = todo.pop()
        if n is None or n in seen:
            continue
        seen.add(n)
        tname = type(n).__name__
        if isinstance(n, torch.autograd.function.BackwardCFunction):  # a Python autograd.Function's node
            # (hasattr(n, "saved_tensors") would itself unpack, so test the type)
            recording[0] = False
            st = n.saved_tensors
            recording[0] = True
            if tname == "MixedLayerNormBackward":  # emulated native_layer_norm (ln_mixed.py)
                cur[0] = [("NativeLayerNormBackward0", sl, "emulated") for sl, t in zip(LN_SLOTS, st) if t is not None]
            else:  # e.g. PhiMoE's sparsemixer (class mp): slots named by save_for_backward position
                cur[0] = [(tname, f"saved_tensors[{j}]") for j, t in enumerate(st) if t is not None]
            n.saved_tensors
        for a in dir(n):
            if a.startswith("_saved_"):
                cur[0] = (tname, a[7:])
                try:
                    getattr(n, a)
                except Exception:
                    pass
        for nx, _ in n.next_functions:
            todo.append(nx)
    recording[0] = False
    ids_key = storage_key(ids)
    rows = []
    for i, (t, mod) in enumerate(packed):
        slots = info.get(i) or [("<unattributed>", "?")]
        k = storage_key(t)
        if k[0] in params:
            cat = "parameter"
        elif is_param_cast(t):
            cat = "param_cast"
        elif k == ids_key:
            cat = "input"
        elif k[0] in buffers:
            cat = "buffer"
        else:
            cat = "activation"
        if slots[0][0] == "<unattributed>" and cat != "parameter":
            # never unpacked while walking the graph from the loss: saved by a node that backward cannot
            # reach (e.g. max(dim)'s indices when only the indices output is used). Such a node is freed
            # with its last Python reference in a real run; this harness keeps every packed tensor alive,
            # so these are listed but not counted (their storage counts if a reachable node saves it too).
            cat = "unreachable"
        s = slots[0]
        rows.append(dict(i=i, module=mod, grad_fn=s[0], slot=s[1], emulated=len(s) > 2,
                         dtype=str(t.dtype).replace("torch.", ""), shape=list(t.shape), tkey=tkey(t),
                         view_bytes=t.numel() * t.element_size(), storage=k, storage_bytes=k[-1],
                         is_view=bool(t._is_view()), storage_offset=int(t.storage_offset()),
                         cat=cat, buffer=buffers.get(k[0]), n_slots=len(slots)))
    loss_val = float(loss.detach())
    return dict(cfg=cfg, model=model, rows=rows, loss=loss_val, ln_calls=ln_calls, changed=changed, ids=ids)


def run_flops(cfg_dict, precision, batch, seq, seed, extra=None):
    cfg, model, _ = build(cfg_dict, seed)
    stack = []
    install_module_stack(model, stack, "<model.forward>")
    ids = torch.randint(0, cfg.vocab_size, (batch, seq))
    ac = torch.autocast("cpu", dtype=torch.bfloat16, enabled=(precision == "bf16"))
    with MatmulCounter(stack) as cf:
        with ac:
            out = model(input_ids=ids, labels=ids, use_cache=False, **(extra(ids) if extra else {}))
    stack[:] = []
    with MatmulCounter(stack) as cb:
        out.loss.backward()
    return cf, cb


def run_timing(cfg_dict, precision, batch, seq, seed, extra=None):
    cfg, model, _ = build(cfg_dict, seed)
    ids = torch.randint(0, cfg.vocab_size, (batch, seq))
    ac = torch.autocast("cpu", dtype=torch.bfloat16, enabled=(precision == "bf16"))
    t0 = time.perf_counter()
    with ac:
        out = model(input_ids=ids, labels=ids, use_cache=False, **(extra(ids) if extra else {}))
    t1 = time.perf_counter()
    out.loss.backward()
    t2 = time.perf_counter()
    return round(t1 - t0, 3), round(t2 - t1, 3)


def all_named_parameters(model):  # named_parameters(remove_duplicate=False) (not in torch 1.13)
    for mn, m in model.named_modules(remove_duplicate=False):
        for pn, p in m._parameters.items():
            if p is not None:
                yield (mn + "." + pn if mn else pn), p


def params_detail(model):
    uniq = collections.OrderedDict(); tied = []
    for n, p in all_named_parameters(model):
        if id(p) in uniq:
            tied.append(n)
        else:
            uniq[id(p)] = (n, p)
    by_top = collections.OrderedDict(); by_pat = collections.OrderedDict()
    for n, p in uniq.values():
        parts = n.split(".")
        top = ".".join(parts[:2]) if len(parts) > 2 else parts[0]
        by_top[top] = by_top.get(top, 0) + p.numel()
        pat = collapse(n)
        by_pat[pat] = by_pat.get(pat, 0) + p.numel()
    pnames = {n for n, _ in all_named_parameters(model)}
    sd_extra = {k: v.numel() for k, v in model.state_dict().items() if k not in pnames}
    bufs = {n: b.numel() for n, b in model.named_buffers()}
    total = sum(p.numel() for _, p in uniq.values())
    return total, dict(total_unique=total, param_tensors=len(uniq), tied_aliases=tied, by_top_module=by_top,
                       by_name_pattern=by_pat, state_dict_non_parameter_entries=sd_extra, buffers_all=bufs)


def reach_order(rows):  # packs reachable from the loss first (pack order), then unreachable ones
    return [r for r in rows if r["cat"] != "unreachable"] + [r for r in rows if r["cat"] == "unreachable"]


def summarize(rows):
    rows = reach_order(rows)
    counted = [r for r in rows if r["cat"] not in ("parameter", "param_cast", "unreachable")]
    by_cat = collections.OrderedDict()
    seen_all = set()
    for r in rows:  # bytes by category: each storage once, first pack's category
        if r["storage"] in seen_all:
            continue
        seen_all.add(r["storage"])
        by_cat[r["cat"]] = by_cat.get(r["cat"], 0) + r["storage_bytes"]
    def first_seen(rows_, skip=lambda r: False):
        seen = set(); out = []
        for r in rows_:
            if skip(r):
                continue
            new = r["storage"] not in seen
            seen.add(r["storage"])
            out.append((r, r["storage_bytes"] if new else 0))
        return out
    fs113 = first_seen(counted)
    mean_only = lambda r: r["grad_fn"] == "MeanBackward1" and r["slot"] == "self"
    fs2 = first_seen(counted, mean_only)
    saved113 = sum(b for _, b in fs113)
    saved2 = sum(b for _, b in fs2)
    # storages only MeanBackward1.self keeps
    only113 = collections.OrderedDict()
    st2 = {r["storage"] for r, _ in fs2}
    seen = set()
    for r in counted:
        if mean_only(r) and r["storage"] not in st2 and r["storage"] not in seen:
            seen.add(r["storage"])
            only113["MeanBackward1.self"] = only113.get("MeanBackward1.self", 0) + r["storage_bytes"]
    def per_layer(fs):
        nl = collections.OrderedDict()
        for r, b in fs:
            li = layer_index(r["module"])
            if li is not None:
                nl[li] = nl.get(li, 0) + b
        return [nl[k] for k in sorted(nl)]
    by_gf = collections.Counter(); by_mod = collections.Counter()
    for r, b in fs113:
        by_gf[r["grad_fn"]] += b
        by_mod[collapse(r["module"])] += b
    # breakdown over all packs (parameters included), storage counted at its first pack
    groups = collections.OrderedDict()
    seen = set()
    for r in rows:
        key = (collapse(r["module"]), r["grad_fn"], r["slot"], r["cat"])
        g = groups.setdefault(key, dict(module=key[0], grad_fn=key[1], slot=key[2], category=key[3], count=0,
                                        bytes=0, view_bytes=0, tensors=collections.OrderedDict(), views=0))
        if r["emulated"]:
            g["emulated"] = True
        new = r["storage"] not in seen
        seen.add(r["storage"])
        g["count"] += 1
        g["bytes"] += r["storage_bytes"] if new else 0
        g["view_bytes"] += r["view_bytes"]
        g["tensors"][r["tkey"]] = g["tensors"].get(r["tkey"], 0) + 1
        g["views"] += 1 if r["is_view"] else 0
    unreach_only = by_cat.get("unreachable", 0)
    bd = [g for g in groups.values() if g["category"] not in ("parameter", "param_cast")]
    bd_params = [g for g in groups.values() if g["category"] in ("parameter", "param_cast")]
    bd = sorted(bd, key=lambda g: (-g["bytes"], g["module"]))
    return dict(saved113=saved113, saved2=saved2, only113=only113, by_cat=by_cat,
                per_layer113=per_layer(fs113), per_layer2=per_layer(fs2),
                by_gf=dict(sorted(by_gf.items(), key=lambda kv: -kv[1])),
                by_mod=dict(sorted(by_mod.items(), key=lambda kv: -kv[1])),
                breakdown=bd, breakdown_params=bd_params,
                naive=sum(r["view_bytes"] for r in counted),
                count=len(rows), unique=len({r["storage"] for r in rows}), unreach_only=unreach_only,
                unattributed=sum(1 for r in rows if r["grad_fn"] == "<unattributed>"))


def per_tensor(rows):
    ids = {}; out = []; seen = set(); first = set()
    for r in reach_order(rows):
        if r["storage"] not in seen:
            first.add(r["i"]); seen.add(r["storage"])
    for r in rows:
        sid = ids.setdefault(r["storage"], len(ids))
        new = r["i"] in first and r["cat"] != "unreachable"
        out.append(dict(pack=r["i"], module=r["module"], grad_fn=r["grad_fn"], slot=r["slot"], category=r["cat"],
                        dtype=r["dtype"], shape=r["shape"], view_bytes=r["view_bytes"], storage_id=sid,
                        storage_bytes=r["storage_bytes"], counted_bytes=r["storage_bytes"] if new else 0,
                        is_view=r["is_view"], storage_offset=r["storage_offset"],
                        buffer=r["buffer"], emulated=r["emulated"]))
    return out


def measure(cfg_dict, precision, batch=1, seq=128, seed=0, name=None, notes=(), with_tensors=True, extra=None):
    """extra: optional function ids -> dict of additional model inputs (not used for the records)"""
    sv = run_saved(cfg_dict, precision, batch, seq, seed, extra)
    cf, cb = run_flops(cfg_dict, precision, batch, seq, seed, extra)
    tf_, tb_ = run_timing(cfg_dict, precision, batch, seq, seed, extra)
    model, cfg = sv["model"], sv["cfg"]
    s = summarize(sv["rows"])
    total, pdetail = params_detail(model)
    attn_classes = sorted({type(m).__name__ for m in model.modules() if type(m).__name__.endswith("Attention")})
    notes = ["transformers modeling code run unmodified (only import-time shims, listed in measured_with.stubs)"] + list(notes)
    if sv["ln_calls"]:
        notes.append(f"bf16-input/fp32-weight F.layer_norm emulated ({sv['ln_calls']} calls per forward): torch 1.13 "
                     "raises for mixed dtypes; emulation follows current PyTorch CPU native_layer_norm (output in the "
                     "input dtype, fp32 mean/rstd, saves input, weight, bias, mean, rstd); rows marked emulated")
    nobias = sorted({collapse(n) for n, m in model.named_modules()
                     if isinstance(m, torch.nn.LayerNorm) and m.elementwise_affine and m.bias is None})
    if nobias:
        notes.append("nn.LayerNorm(..., bias=False) (a torch>=2.1 keyword) built through the torch-1.13 shim, which registers "
                     f"bias=None; forward is torch's layer_norm without bias as in current PyTorch: {nobias}")
    changed = dict(sv["changed"])
    inits = changed.pop("__init__", None)
    if changed:
        notes.append(f"dropouts set to 0 (were {changed})")
    if inits:
        notes.append("parameters that the model's _init_weights leaves uninitialised (torch.empty) at this commit were "
                     f"filled with normal(0, initializer_range) after construction: {inits} (values only)")
    if s["unattributed"]:
        notes.append(f"{s['unattributed']} packs made by autograd nodes that the loss's graph does not reach "
                     "(grad_fn '<unattributed>', category 'unreachable'): listed, not counted in saved_bytes; "
                     f"{s['unreach_only']} bytes of storages that only they hold (saved_bytes_unreachable_only)")
    def sort_shapes(d):
        return sorted(d.values(), key=lambda x: -x["flops"])
    cfg_json = model.config.to_dict()
    rec = collections.OrderedDict()
    rec["config"] = dict(name=name, model_type=cfg.model_type, arch="causal-lm", **{"class": type(model).__name__})
    rec["name"] = name
    rec["model_type"] = cfg.model_type
    rec["config_json"] = cfg_json
    rec["tree"] = "late"
    rec["batch"] = batch; rec["seq"] = seq
    rec["dtype"] = "float32" if precision == "fp32" else "bfloat16-autocast"  # records.json's values
    rec["precision"] = "float32" if precision == "fp32" else "bf16_autocast"
    rec["dropout"] = 0.0
    rec["params"] = total
    rec["params_detail"] = pdetail
    rec["fwd_matmul_flops"] = cf.total
    rec["bwd_matmul_flops"] = cb.total
    rec["bwd_over_fwd"] = cb.total / cf.total if cf.total else None
    rec["fwd_matmul_by_op"] = dict(sorted(cf.by_op.items()))
    rec["bwd_matmul_by_op"] = dict(sorted(cb.by_op.items()))
    rec["fwd_matmul_by_module"] = dict(sorted(cf.by_module.items(), key=lambda kv: -kv[1]))
    rec["fwd_matmul_shapes"] = sort_shapes(cf.shapes)
    rec["bwd_matmul_shapes"] = sort_shapes(cb.shapes)
    rec["matmul_like_ops_not_counted"] = sorted(set(cf.not_counted) | set(cb.not_counted))
    rec["attention_path"] = "eager"
    rec["attn_implementation"] = model.config._attn_implementation
    rec["attention_modules"] = attn_classes
    rec["loss"] = sv["loss"]
    rec["loss_definition"] = "HF loss from labels (ForCausalLMLoss: logits.float(), shift by one, cross_entropy mean over B*(T-1))"
    rec["seconds_fwd"] = tf_; rec["seconds_bwd"] = tb_
    rec["saved_bytes"] = s["saved113"]
    rec["saved_bytes_by_category"] = s["by_cat"]
    rec["saved_bytes_naive_view_sum"] = s["naive"]
    rec["saved_tensor_count"] = s["count"]
    rec["unique_storages"] = s["unique"]
    rec["unattributed_packs"] = s["unattributed"]
    rec["saved_bytes_per_layer"] = s["per_layer113"]
    rec["saved_bytes_unreachable_only"] = s["unreach_only"]
    rec["saved_bytes_by_grad_fn"] = s["by_gf"]
    rec["saved_breakdown"] = s["breakdown"]
    rec["saved_breakdown_parameters"] = s["breakdown_params"]
    rec["saved_bytes_torch113_only"] = sum(s["only113"].values())
    rec["saved_bytes_torch113_only_by_slot"] = s["only113"]
    rec["saved_bytes_torch2"] = s["saved2"]
    rec["saved_bytes_per_layer_torch2"] = s["per_layer2"]
    rec["saved_bytes_by_module"] = s["by_mod"]
    if with_tensors:
        rec["saved_tensors"] = per_tensor(sv["rows"])
    rec["torch_version"] = torch.__version__
    rec["transformers_commit"] = TRANSFORMERS_COMMIT
    rec["notes"] = notes
    rec["measured_with"] = dict(
        transformers_commit=TRANSFORMERS_COMMIT, transformers_commit_date="2025-04-07",
        transformers_version=transformers.__version__, tree="late", transformers_declared_torch=">=2.0 (setup.py)",
        stubs=shims.SHIMS, torch=torch.__version__, debian_package="python3-torch 1.13.1",
        threads=torch.get_num_threads(), python=sys.version.split()[0],
        counters="TorchDispatchMode matmul counter (aten mm/addmm/bmm/baddbmm, 2mnk) and saved_tensors_hooks recorder, as for hf-measured/records.json",
        seed=seed)
    return rec


if __name__ == "__main__":
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("config"); ap.add_argument("precision", choices=["fp32", "bf16"])
    ap.add_argument("batch", type=int, nargs="?", default=1); ap.add_argument("seq", type=int, nargs="?", default=128)
    ap.add_argument("--name"); ap.add_argument("--out"); ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    r = measure(json.load(open(a.config)), a.precision, a.batch, a.seq, seed=a.seed, name=a.name or os.path.basename(a.config))
    if a.out:
        json.dump(r, open(a.out, "w"))
    print("saved_bytes", r["saved_bytes"], "torch2", r["saved_bytes_torch2"], "fwd", r["fwd_matmul_flops"],
          "bwd", r["bwd_matmul_flops"], "notes", r["notes"])
