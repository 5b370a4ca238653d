"""CuPy kernels kept as data: a module's ``SPECS`` maps a kernel name to an
``Elementwise`` or ``Reduction`` spec (the tests compile the same bodies with
nvcc and as host C++), and ``Kernels(SPECS)(name)`` builds the CuPy kernel of
a name once, on first use."""
import collections
import threading

Elementwise = collections.namedtuple('Elementwise', 'in_params out_params body')
Reduction = collections.namedtuple(
    'Reduction', 'in_params out_params map_expr reduce_expr post_map_expr identity '
    'reduce_type preamble')


class Kernels(object):
    """``kernels(name)``: the CuPy kernel of ``specs[name]``, built once, cached."""

    def __init__(self, specs):
        self.specs = specs
        self._built = {}
        self._lock = threading.Lock()

    def __call__(self, name):
        k = self._built.get(name)
        if k is None:
            import cupy
            spec = self.specs[name]
            with self._lock:
                k = self._built.get(name)
                if k is None:
                    if isinstance(spec, Elementwise):
                        k = cupy.ElementwiseKernel(*spec, name=name)
                    else:
                        k = cupy.ReductionKernel(
                            spec.in_params, spec.out_params, spec.map_expr,
                            spec.reduce_expr, spec.post_map_expr, spec.identity, name,
                            reduce_type=spec.reduce_type, preamble=spec.preamble)
                    self._built[name] = k
        return k
