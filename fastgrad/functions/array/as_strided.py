"""as_strided: a view of the input's memory with another shape and strides
(in elements), as torch.Tensor.as_strided; returned as a copy."""
import numpy

from fastgrad import utils
from fastgrad.functions._util.recipe import Op


def _positions(xp, shape, strides, offset):
    """The memory position (in elements) of every element of a view."""
    pos = xp.full(tuple(shape), offset, dtype=numpy.int64)
    for axis, (size, step) in enumerate(zip(shape, strides)):
        ax = [1] * len(shape)
        ax[axis] = size
        pos = pos + xp.arange(size, dtype=numpy.int64).reshape(ax) * step
    return pos


def _owner(x):
    """The ndarray owning x's data (through as_strided's holder objects)."""
    root = x
    while True:
        base = root.base
        if not isinstance(base, numpy.ndarray):
            base = getattr(base, 'base', None)
        if not isinstance(base, numpy.ndarray):
            return root
        root = base


def _memory(x):
    """(flat memory, x's strides and offset in it, in elements).  On NumPy
    the memory is the array owning x's data (Chainer's meaning: a view of
    a larger array sees that array); otherwise x itself, made contiguous."""
    if isinstance(x, numpy.ndarray):
        root = _owner(x)
        size = x.itemsize
        delta = x.__array_interface__['data'][0] - root.__array_interface__['data'][0]
        if (root.dtype == x.dtype and (root.flags.c_contiguous or root.flags.f_contiguous)
                and delta % size == 0 and all(s % size == 0 for s in x.strides)):
            strides = tuple(s // size for s in x.strides)
            pos = _positions(numpy, x.shape, strides, delta // size)
            if not pos.size or (pos.min() >= 0 and pos.max() < root.size):
                return root.ravel(order='K'), strides, delta // size
    xp = utils.array_module(x)
    x = xp.ascontiguousarray(x)
    return x.ravel(), tuple(s // x.itemsize for s in x.strides), 0


def _stride_array(array, shape, strides, storage_offset):
    """A NumPy view of ``array``'s memory (strides and offset in elements),
    after checking every position lies inside it; other arrays: a copy."""
    memory, _, _ = _memory(array)
    xp = utils.array_module(array)
    pos = _positions(xp, shape, strides, storage_offset)
    if pos.size and (int(pos.min()) < 0 or int(pos.max()) >= memory.size):
        raise ValueError('as_strided: out of buffer: positions {}..{} of a memory of {} '
                         'elements'.format(int(pos.min()), int(pos.max()), memory.size))
    if xp is not numpy or not pos.size:
        return memory[pos]
    start = memory[storage_offset:]            # the first element's address
    return numpy.lib.stride_tricks.as_strided(
        start, tuple(shape), tuple(s * array.itemsize for s in strides))


class AsStrided(Op):
    """``y[i] = memory[offset + sum(i * strides)]``.  The gradient adds the
    output's gradient up per memory position and hands each input element
    its position's sum, divided among the input elements sharing it (the
    layout-agnostic rule of torch and Chainer)."""
    __slots__ = ('shape', 'strides', 'storage_offset', 'in_pos', 'out_pos', 'count')

    def __init__(self, shape, strides, storage_offset=None):
        self.shape = tuple(int(s) for s in shape)
        self.strides = tuple(int(s) for s in strides)
        self.storage_offset = storage_offset
        if len(self.shape) != len(self.strides):
            raise ValueError('as_strided: shape {} and strides {} differ in length'.format(
                self.shape, self.strides))
        if any(s < 0 for s in self.shape):
            raise ValueError('as_strided: negative size in shape {}'.format(self.shape))

    @property
    def label(self):
        return 'as_strided'

    def forward(self, inputs):
        x, = inputs
        xp = utils.array_module(x)
        memory, in_strides, in_offset = _memory(x)
        offset = in_offset if self.storage_offset is None else int(self.storage_offset)
        out_pos = _positions(xp, self.shape, self.strides, offset)
        if out_pos.size and (int(out_pos.min()) < 0 or int(out_pos.max()) >= memory.size):
            raise ValueError('as_strided: out of buffer: positions {}..{} of a memory of {} '
                             'elements'.format(int(out_pos.min()), int(out_pos.max()),
                                               memory.size))
        in_pos = _positions(xp, x.shape, in_strides, in_offset)
        lo = min(int(in_pos.min()) if in_pos.size else 0,
                 int(out_pos.min()) if out_pos.size else 0)
        self.in_pos, self.out_pos = in_pos - lo, out_pos - lo
        n = max(int(self.in_pos.max()) + 1 if in_pos.size else 0,
                int(self.out_pos.max()) + 1 if out_pos.size else 0)
        self.count = xp.maximum(xp.bincount(self.in_pos.ravel(), minlength=n), 1)
        return memory[out_pos],

    def gradient(self, ns, indexes, grad_outputs):
        op = _Restride(self.out_pos, self.in_pos, self.count)
        return ns.call(op, grad_outputs)


class _Restride(Op):
    """``out = (sum of v per position of src / count)[dst]``: the gradient
    of as_strided (src = output positions, dst = input positions), and,
    with src and dst swapped, this op's own gradient (its adjoint)."""
    __slots__ = ('src', 'dst', 'count')

    def __init__(self, src, dst, count):
        self.src, self.dst, self.count = src, dst, count

    @property
    def label(self):
        return 'as_strided'

    def forward(self, inputs):
        v, = inputs
        if v.dtype.kind != 'f':
            raise TypeError('as_strided: only float is supported for back propagation, '
                            'got {}'.format(v.dtype))
        xp = utils.array_module(v)
        total = xp.bincount(self.src.ravel(), weights=v.ravel(), minlength=self.count.size)
        return (total / self.count)[self.dst].astype(v.dtype, copy=False),

    def gradient(self, ns, indexes, grad_outputs):
        return ns.call(_Restride(self.dst, self.src, self.count), grad_outputs)


def as_strided(x, shape, strides, storage_offset=None):
    """A view of ``x``'s memory with the given shape, strides and offset.

    As :func:`numpy.lib.stride_tricks.as_strided` but ``strides`` and
    ``storage_offset`` count elements, not bytes, and may be negative;
    positions outside the memory raise ValueError instead of reading it.
    For a NumPy view the memory is the array owning its data (as in
    Chainer).  The result is a copy, not a view.  The gradient of
    positions read several times adds up; input elements sharing a
    position share its gradient.

    Args:
        x (:class:`~fastgrad.Variable` or ``ndarray``): The array.
        shape (tuple of int): The output's shape.
        strides (tuple of int): The output's strides, in elements.
        storage_offset (int or None): The first element's position in the
            memory, in elements; None: that of ``x``.

    Returns:
        ~fastgrad.Variable: The strided array.

    >>> x = np.arange(6, dtype=np.float32)
    >>> F.as_strided(x, shape=(2, 3), strides=(1, 1)).array  # overlapping windows
    array([[0., 1., 2.],
           [1., 2., 3.]], dtype=float32)
    """
    y, = AsStrided(shape, strides, storage_offset).apply((x,))
    return y
