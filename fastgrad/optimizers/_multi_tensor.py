"""Multi-tensor optimizer updates: one launch for many CuPy parameters.

The update rules launch one kernel per parameter (``_kernels.py``); a small
model's step is bound by launches, so ``GradientMethod.update`` hands its
parameters to :func:`update`, which updates the parameters of the rules
whose class sets ``_multi_tensor_kernel`` with one ``cupy.RawKernel``
launch per group of up to ``MAX_TENSORS`` parameters of one kernel,
device, dtype (float32 or float64) and scalar arguments.

``_multi_tensor_kernel`` is either the name of a registered kernel whose
scalar inputs are the rule's hyperparameters of the same names (SGD,
MomentumSGD, AdaGrad), or a method ``(rule, param, t)`` that returns
None (the rule's own path) or ``(kernel name, scalars)`` for the update at
step ``t`` (the rule's ``t`` after the increment), the scalars being those
the rule's ``update_core_gpu`` passes its kernel, computed by the same code
(RMSprop and NesterovAG: values derived from the hyperparameters; Adam and
its variants: also the per-step bias-corrected step size and AdaBound's
bounds, so that rules at different steps fall into different groups).

The kernel repeats the per-parameter kernel's body (the same string, the
same types, ``--fmad=false``) for every element of every parameter in the
group, with the same scalars cast to the parameter type as CuPy casts them,
so the numbers are the per-parameter path's exactly.  Block row
``blockIdx.y`` is parameter ``k``; the pointers and sizes are kernel
arguments (passed by value at each launch, so no pointer table is copied to
the device, and a CUDA-graph capture records them as they are).

A parameter keeps its own ``param.update()`` (the rule's path, after the
group's launch) when the rule is disabled, has update hooks of its own or
no ``_multi_tensor_kernel``; when its array is not a CuPy array, is
float16, shares its memory address with an earlier parameter, or it, its
gradient or its state is not C-contiguous or of another dtype or shape;
when its gradient is missing or of another dtype; under loss scaling; when
a scalar argument is not a number; or when the rule's method returns None
(Adam inside a captured step, whose scalars follow the device step
counter).  Optimizer hooks (weight decay, gradient clipping) run before
:func:`update`, as before.  The kernels run when
``fastgrad.config.gpu_multi_tensor_update`` is true (the default;
FASTGRAD_GPU_MULTI_TENSOR_UPDATE=0 turns them off).
"""
import re
import threading

import numpy

from fastgrad import backend, configuration
from fastgrad.optimizers import _kernels

# arguments per launch: a few scalars and 3-5 values per parameter, well under
# CUDA's 4 KiB of kernel parameters
MAX_TENSORS = 48
BLOCK = 256
MAX_BLOCKS = 1024       # blocks per parameter (grid-stride beyond)

CTYPES = {numpy.dtype(numpy.float32): 'float', numpy.dtype(numpy.float64): 'double'}

_lock = threading.Lock()
_raw_kernels = {}
_layouts = {}


def layout(name):
    """``(scalars, states)`` of the registered kernel ``name``: the
    hyperparameters it takes by value (its inputs but ``grad``) and the
    state entries it updates (its outputs but ``param``)."""
    lay = _layouts.get(name)
    if lay is None:
        in_params, out_params, body = _kernels.SPECS[name]
        ins = [p.split() for p in in_params.split(',')]
        outs = [p.split() for p in out_params.split(',')]
        assert all(typ == 'T' for typ, _ in ins + outs), name
        assert ['T', 'grad'] in ins and ['T', 'param'] in outs, name
        assert not re.search(r'\bi\b', body), name        # no element index
        lay = _layouts[name] = ([n for _, n in ins if n != 'grad'],
                                [n for _, n in outs if n != 'param'])
    return lay


def source(name, ctype, count):
    """CUDA source of the multi-tensor kernel of ``name`` for ``count``
    parameters of the C type ``ctype``; its symbol is ``symbol(...)``.

    Arguments: the scalars, then per parameter its array, gradient, state
    arrays and size (``long long``)."""
    scalars, states = layout(name)
    body = _kernels.SPECS[name][2]
    per = ['param', 'grad'] + states
    args = ['const T {}'.format(s) for s in scalars]
    cases = []
    for k in range(count):
        args += ['{}T *{}{}'.format('const ' if n == 'grad' else '', n, k) for n in per]
        args.append('const long long n{}'.format(k))
        cases.append('    case {k}: {sets} fg_n = n{k}; break;'.format(
            k=k, sets=' '.join('fg_{n} = {n}{k};'.format(n=n, k=k) for n in per)))
    ptrs = ' '.join('{}T *fg_{} = 0;'.format('const ' if n == 'grad' else '', n)
                    for n in per)
    refs = '\n        '.join(['const T grad = fg_grad[fg_i];'] + [
        'T &{n} = fg_{n}[fg_i];'.format(n=n) for n in per if n != 'grad'])
    return '''typedef {ctype} T;
extern "C" __global__ void {sym}({args}) {{
    {ptrs}
    long long fg_n = 0;
    switch (blockIdx.y) {{
{cases}
    default: return;
    }}
    for (long long fg_i = (long long)blockIdx.x * blockDim.x + threadIdx.x; fg_i < fg_n;
         fg_i += (long long)blockDim.x * gridDim.x) {{
        {refs}
        {body}
    }}
}}
'''.format(ctype=ctype, sym=symbol(name, ctype, count), args=', '.join(args), ptrs=ptrs,
           cases='\n'.join(cases), refs=refs, body=body)


def symbol(name, ctype, count):
    return '{}_multi_{}_{}'.format(name, ctype.replace(' ', '_'), count)


def raw_kernel(name, dtype, count):
    """The ``cupy.RawKernel`` for ``count`` parameters of ``dtype`` (built once)."""
    key = (name, dtype, count)
    k = _raw_kernels.get(key)
    if k is None:
        import cupy
        ctype = CTYPES[dtype]
        with _lock:
            k = _raw_kernels.get(key)
            if k is None:
                k = _raw_kernels[key] = cupy.RawKernel(
                    source(name, ctype, count), symbol(name, ctype, count),
                    options=_kernels.OPTIONS)
    return k


def launch(name, dtype, scalars, tensors):
    """One launch updating ``tensors`` (per parameter ``[array, grad, *states]``,
    at most MAX_TENSORS) with the hyperparameters ``scalars``."""
    args = [dtype.type(s) for s in scalars]
    n_max = 0
    for arrays in tensors:
        n = arrays[0].size
        args.extend(arrays)
        args.append(numpy.int64(n))
        n_max = max(n_max, n)
    grid = (min(MAX_BLOCKS, max(1, -(-n_max // BLOCK))), len(tensors))
    raw_kernel(name, dtype, len(tensors))(grid, (BLOCK,), tuple(args))


def enabled(a):
    """Whether ``a`` is a CuPy array and ``config.gpu_multi_tensor_update`` is on."""
    if isinstance(a, numpy.ndarray) or not configuration.config.gpu_multi_tensor_update:
        return False
    return type(a).__module__.startswith('cupy')


def _address(a):
    mem = a.data
    return mem.ptr if hasattr(mem, 'ptr') else a.ctypes.data     # CuPy, NumPy


_update_method = []


def _parameter_update():
    if not _update_method:
        from fastgrad.variable import Parameter
        _update_method.append(Parameter.update)
    return _update_method[0]


def _c_contiguous(a, like):
    return (a is not None and type(a) is type(like) and a.dtype == like.dtype
            and a.shape == like.shape and a.flags.c_contiguous)


def _group_key(param, seen):
    """The group of ``param`` (kernel, device, dtype, scalars) or None: its
    own update."""
    data = param.array
    if data is None or not enabled(data):
        return None
    # a parameter sharing an earlier one's array updates after it, in order
    ptr = _address(data)
    if ptr in seen:
        return None
    seen.add(ptr)
    rule = param.update_rule
    # the rule's own class names the kernel (a subclass may update otherwise)
    kernel = type(rule).__dict__.get('_multi_tensor_kernel')
    if kernel is None or not rule.enabled or type(param).update is not _parameter_update():
        return None
    hookable = rule._hookable
    if hookable._pre_update_hooks or hookable._post_update_hooks:
        return None
    if data.dtype not in CTYPES or getattr(param, '_loss_scale', None) is not None:
        return None
    if not _c_contiguous(param.grad, data) or not data.flags.c_contiguous:
        return None
    if callable(kernel):
        # the rule computes its kernel and scalars for the step it is to make
        got = kernel(rule, param, rule.t + 1)
        if got is None:
            return None
        name, scalars = got
    else:
        name = kernel
        hp = rule._hp()
        scalars = [hp[s] for s in layout(name)[0]]
    if not all(isinstance(v, _kernels.SCALAR_TYPES) for v in scalars):
        return None
    return name, backend.get_device_from_array(data), data.dtype, tuple(scalars)


def update(params):
    """Update ``params`` as ``param.update()`` each: the multi-tensor
    kernels take the parameters they can, then the others update one by one."""
    if not configuration.config.gpu_multi_tensor_update:
        for param in params:
            param.update()
        return
    groups = {}
    rest = []
    seen = set()
    for param in params:
        key = _group_key(param, seen)
        if key is None:
            rest.append(param)
        else:
            groups.setdefault(key, []).append(param)
    for key, members in groups.items():
        _update_group(key, members)
    for param in rest:
        param.update()


def _update_group(key, members):
    name, _, dtype, scalars = key
    states = layout(name)[1]
    tensors = []
    with backend.using_device(key[1]):
        for param in members:
            rule = param.update_rule
            # rule.update's steps: t, the state, no loss scale nor hooks here
            rule.t += 1
            rule._init_states(param)
            data, state = param.array, rule.state
            arrays = [data, param.grad] + [state.get(s) for s in states]
            if all(_c_contiguous(a, data) for a in arrays[2:]):
                tensors.append(arrays)
            else:
                rule.update_core(param)      # a state of another layout: its own kernel
        for start in range(0, len(tensors), MAX_TENSORS):
            launch(name, dtype, scalars, tensors[start:start + MAX_TENSORS])
