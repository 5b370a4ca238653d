"""Fused CuPy update kernels of the optimizers: one launch per parameter.

Every body repeats the NumPy path's operations one by one, each result
stored (and so rounded) in a variable of the type that path computes in,
and the kernels are compiled without FMA contraction (``--fmad=false``),
so that float32 and float64 give the NumPy path's numbers and float16
rounds where it rounds (CuPy's float16 computes each operator in float).

``SPECS`` lists every kernel (name -> in_params, out_params, body) so that
tests can compile each body outside CuPy.
"""
import threading

import numpy

SPECS = {}
# a kernel's scalar argument as a Python or NumPy number (not an array)
SCALAR_TYPES = (int, float, numpy.integer, numpy.floating)
OPTIONS = ('--fmad=false',)

_lock = threading.Lock()
_kernels = {}


def define(name, in_params, out_params, body):
    """Register the kernel ``name`` (its CuPy parameter lists and body)."""
    SPECS[name] = (in_params, out_params, body)
    return name


def update_arrays(rule, param):
    """``(data, grad)`` for a kernel update of ``param``, or None when there is
    nothing to update or the rule's generic path ran instead (a gradient of
    another dtype than the parameter)."""
    data, grad = param.array, param.grad
    if data is None or grad is None:
        return None
    if grad.dtype != data.dtype:
        rule.update_core_cpu(param)      # the generic xp path
        return None
    return data, grad


def kernel(name):
    """The ``cupy.ElementwiseKernel`` of the registered kernel ``name``."""
    k = _kernels.get(name)
    if k is None:
        import cupy
        in_params, out_params, body = SPECS[name]
        with _lock:
            k = _kernels.get(name)
            if k is None:
                k = _kernels[name] = cupy.ElementwiseKernel(
                    in_params, out_params, body, name, options=OPTIONS)
    return k
