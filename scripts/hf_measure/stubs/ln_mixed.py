# Emulates current PyTorch's CPU native_layer_norm for a bf16 input with fp32 weight (mixed type):
# output in the input dtype, mean/rstd in fp32; autograd saves input, weight, bias, mean, rstd.
# torch 1.13 raises 'expected scalar type BFloat16 but found Float' for this case (current PyTorch
# supports it natively); used by StableLM's per-head q/k LayerNorm under bf16 autocast.
import torch
import torch.nn.functional as F
_orig = F.layer_norm
CALLS = [0]  # how many times the emulation ran (for the record's notes)
class MixedLayerNorm(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, weight, bias, shape, eps):
        xf = x.float()
        dims = tuple(range(-len(shape), 0))
        mean = xf.mean(dims, keepdim=True)
        rstd = torch.rsqrt(xf.var(dims, unbiased=False, keepdim=True) + eps)
        y = (xf - mean) * rstd
        if weight is not None: y = y * weight
        if bias is not None: y = y + bias
        ctx.save_for_backward(x, weight, bias, mean, rstd)
        ctx.shape, ctx.eps = shape, eps
        return y.to(x.dtype)
    @staticmethod
    def backward(ctx, g):
        # gradients via fp32 recomputation (only so that the backward FLOP pass can run;
        # layer_norm's backward has no matmul)
        x, weight, bias, mean, rstd = ctx.saved_tensors
        with torch.enable_grad():
            xf = x.detach().float().requires_grad_(True)
            w = weight.detach().requires_grad_(True) if weight is not None else None
            b = bias.detach().requires_grad_(True) if bias is not None else None
            y = _orig(xf, ctx.shape, w, b, ctx.eps)
            ins = [t for t in (xf, w, b) if t is not None]
            gs = list(torch.autograd.grad(y, ins, g.float()))
        gx = gs.pop(0).to(x.dtype)
        gw = gs.pop(0) if w is not None else None
        gb = gs.pop(0) if b is not None else None
        return gx, gw, gb, None, None
def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    if input.dtype == torch.bfloat16 and weight is not None and weight.dtype == torch.float32:
        CALLS[0] += 1
        with torch.autocast("cpu", enabled=False):
            return MixedLayerNorm.apply(input, weight, bias, tuple(normalized_shape), eps)
    return _orig(input, normalized_shape, weight, bias, eps)
F.layer_norm = layer_norm
