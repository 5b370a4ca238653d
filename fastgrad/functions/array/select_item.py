"""select_item: pick one element per row, x[i, t[i]]."""
from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op

_NAME = 'SelectItem'


class SelectItem(Op):
    __slots__ = ('_rows',)
    checks = Checks('x, t', "x.dtype.kind == 'f'", "t.dtype.kind in 'iu'", 'x.ndim == 2',
                    't.ndim == 1', 'x.shape[0] == t.shape[0]')

    def forward(self, inputs):
        x, t = inputs
        # NumPy would wrap negative labels around silently.
        if t.size and (int(t.min()) < 0 or int(t.max()) >= x.shape[1]):
            raise ValueError('select_item: every t must be in [0, {}) (x.shape[1]), got '
                             'values in [{}, {}]'.format(x.shape[1], int(t.min()),
                                                         int(t.max())))
        xp = utils.array_module(x)
        self._rows = xp.arange(t.shape[0])
        self.retain_inputs((1,))
        return utils.force_array(x[self._rows, t]),

    def gradient(self, ns, indexes, grad_outputs):
        if 0 not in indexes:
            return (None,) * len(indexes)
        t = self.get_retained_input_arrays()[0]    # labels: a constant
        node = self.inputs[0]
        gx, = ns.call(_SelectItemGrad(self._rows, t, node.shape, node.dtype), grad_outputs)
        return tuple(gx if i == 0 else None for i in indexes)


class _SelectItemGrad(Op):
    """Put gy[i] at (i, t[i]) of a zero matrix; the adjoint of SelectItem."""
    __slots__ = ('_rows', '_t', '_shape', '_dtype')

    def __init__(self, rows, t, shape, dtype):
        self._rows = rows
        self._t = t
        self._shape = shape
        self._dtype = dtype

    def forward(self, inputs):
        gx = utils.array_module(inputs[0]).zeros(self._shape, self._dtype)
        gx[self._rows, self._t] = inputs[0]     # one element per row: no repeated index
        return gx,

    def gradient(self, ns, indexes, grad_outputs):
        # SelectItem's forward, x[i, t[i]], without its label checks
        return ns.get_item(grad_outputs[0], (self._rows, self._t)),


def select_item(x, t):
    """``y[i] = x[i, t[i]]`` for a 2-D float ``x`` (B, N) and integer labels
    ``t`` (B,) in ``[0, N)``.  ``t`` gets no gradient.

    >>> x = np.array([[0., 1., 2.], [3., 4., 5.]], dtype=np.float32)
    >>> t = np.array([2, 0], dtype=np.int32)
    >>> F.select_item(x, t).array
    array([2., 3.], dtype=float32)
    """
    y, = SelectItem().apply((x, t))
    return y
