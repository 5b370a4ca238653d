"""Fake device memory for the CPU emulations of fastgrad_cuda's kernels
(test_tiling_reference.py, test_mma_reference.py): flat NumPy buffers at
fake, 256-byte aligned addresses, NaN-filled so unwritten outputs show, with
a per-element write counter; FakeArray is the strided-view surface of a
cupy.ndarray that fastgrad_cuda.linear reads.  Also the kernels' parameter
kinds, parsed from the .cu source, which the fake launches check."""
import re

import numpy


def kernel_params(src, name):
    """The parameter kinds of kernel ``name`` in ``src``: 'ptr', int64 or int32."""
    m = re.search(r'\b' + name + r'\(([^)]*)\)\s*\{', src)
    assert m, name
    kinds = []
    for p in m.group(1).split(','):
        p = ' '.join(p.split())
        if '*' in p:
            kinds.append('ptr')
        elif p.startswith('long long'):
            kinds.append(numpy.int64)
        elif p.startswith('int '):
            kinds.append(numpy.int32)
        else:
            raise AssertionError('unknown parameter type: ' + p)
    return kinds


class Mem(object):
    """One allocation: a flat buffer at a 256-byte aligned fake address."""
    _next = 1 << 20

    def __init__(self, n, dtype):
        self.buf = numpy.full(max(n, 1), numpy.nan, dtype)
        self.writes = numpy.zeros(max(n, 1), numpy.int64)
        self.ptr = Mem._next
        Mem._next += (self.buf.nbytes + 4096) // 256 * 256


class _Data(object):
    def __init__(self, ptr):
        self.ptr = ptr
        self.device_id = 0


class _Flags(object):
    def __init__(self, c):
        self.c_contiguous = c


class FakeArray(object):
    """A strided view into a Mem: just enough ndarray surface for linear.py."""

    def __init__(self, mem, offset, shape, estrides):
        self.mem, self.offset = mem, offset
        self.shape = tuple(shape)
        self.estrides = tuple(estrides)
        self.dtype = mem.buf.dtype
        self.itemsize = self.dtype.itemsize
        self.ndim = len(shape)
        self.strides = tuple(s * self.itemsize for s in estrides)
        self.data = _Data(mem.ptr + offset * self.itemsize)
        c, expect = True, 1
        for n, s in reversed(list(zip(self.shape, self.estrides))):
            if n != 1 and s != expect:
                c = False
            expect *= n
        self.flags = _Flags(c)
        self.size = int(numpy.prod(self.shape)) if self.shape else 1

    @property
    def T(self):
        return FakeArray(self.mem, self.offset, self.shape[::-1], self.estrides[::-1])

    def indices(self):
        """Element offsets (into mem.buf) of every element, in logical order."""
        idx = numpy.full(self.shape, self.offset, numpy.int64)
        for d, (n, s) in enumerate(zip(self.shape, self.estrides)):
            sh = [1] * self.ndim
            sh[d] = n
            idx = idx + (numpy.arange(n) * s).reshape(sh)
        return idx

    def get(self):
        return self.mem.buf[self.indices()]

    def fill(self, v):
        self.mem.buf[self.indices()] = v
        self.mem.writes[self.indices()] += 1


def fake_empty(shape, dtype):
    shape = tuple(shape) if isinstance(shape, (tuple, list)) else (shape,)
    n = int(numpy.prod(shape)) if shape else 1
    st, acc = [], 1
    for d in reversed(shape):
        st.append(acc)
        acc *= d
    return FakeArray(Mem(n, numpy.dtype(dtype)), 0, shape, st[::-1])
