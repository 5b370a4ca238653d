"""copy: copy an array onto a device (CPU or a GPU), differentiably."""
from fastgrad import backend
from fastgrad.functions._util.recipe import Op


class Copy(Op):
    __slots__ = ('out_device', 'in_device')    # device objects hold no graph

    def __init__(self, out_device):
        self.out_device = out_device

    def forward(self, inputs):
        x, = inputs
        self.in_device = backend.get_device_from_array(x)
        if self.in_device == self.out_device:
            # send() would hand back x itself; the output must not alias it.
            with backend.using_device(self.out_device):
                return self.out_device.xp.array(x, copy=True),
        return self.out_device.send(x),

    def gradient(self, ns, indexes, grad_outputs):
        if self.in_device == self.out_device:
            return grad_outputs[0],    # no device to cross: skip the copy
        return ns.call(Copy(self.in_device), grad_outputs)


def copy(x, dst):
    """Copy ``x`` onto the device ``dst`` and return it as a Variable.

    ``dst`` is a device specifier: ``-1`` (or ``'@numpy'``, or
    ``cuda.DummyDevice``) for the CPU, a GPU id ``N >= 0`` (or
    ``'@cupy:N'``), or a device object.  The result is always a new array,
    also when ``x`` already lives on ``dst``; the gradient is sent back to
    the device of ``x``.

    >>> x = np.array([1., 2.], dtype=np.float32)
    >>> F.copy(x, '@numpy').array
    array([1., 2.], dtype=float32)
    """
    from fastgrad.backends.cuda import DummyDeviceType
    if isinstance(dst, DummyDeviceType):
        dst = '@numpy'        # Chainer's old spelling of the CPU
    y, = Copy(backend.get_device(dst)).apply((x,))
    return y
