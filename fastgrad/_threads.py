"""How many threads fastgrad's own compiled loops use (batch/group
normalization; 2-D convolution's im2col/col2im and the depthwise one; ReLU):
``fastgrad.set_num_threads`` and ``fastgrad.get_num_threads``, as
``torch.set_num_threads``.

The default is ``FASTGRAD_NUM_THREADS``, else ``OMP_NUM_THREADS``, else the
CPUs this process may run on.  It does not set the BLAS library's threads
(OpenBLAS reads ``OPENBLAS_NUM_THREADS``), which run the GEMMs.

The loops run on a pool of Python-API threads in each compiled module
(fastgrad/_core/fg_parallel.h).  A process forked from this one has none of
them: the child's pools forget the parent's workers and start their own.
"""
import os
import warnings

from fastgrad._core import activation, conv2d, norm

_MODULES = (norm, conv2d, activation)
_state = {'n': 1}


def _default():
    for name in ('FASTGRAD_NUM_THREADS', 'OMP_NUM_THREADS'):
        value = os.environ.get(name, '').split(',')[0].strip()
        if value:
            try:
                n = int(value)
            except ValueError:
                warnings.warn('{}={!r} is not a thread count; ignored'.format(name, value),
                              RuntimeWarning)
                continue
            if n >= 1:
                return n
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def set_num_threads(n):
    """Use ``n`` threads (>= 1) in fastgrad's compiled loops."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError('set_num_threads: n must be an int, got {}'.format(type(n).__name__))
    if n < 1:
        raise ValueError('set_num_threads: n must be >= 1, got {}'.format(n))
    for module in _MODULES:
        module._set_num_threads(n)
    _state['n'] = n


def get_num_threads():
    """The number of threads fastgrad's compiled loops use."""
    return _state['n']


def _after_fork_in_child():
    for module in _MODULES:
        module._after_fork_in_child()


set_num_threads(_default())
if hasattr(os, 'register_at_fork'):
    os.register_at_fork(after_in_child=_after_fork_in_child)
