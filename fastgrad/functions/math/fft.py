"""fft and ifft on (real, imag) pairs (Chainer's API: no complex dtypes)."""
from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


class FFT(Op):
    """1-D (i)FFT over the last axis of ``real + 1j * imag``.

    The DFT matrix is symmetric, so the gradient is ``conj(T(conj(g)))``;
    with ``T(gi + 1j gr) = 1j T(conj(g))`` that is the (i)FFT of the
    swapped pair, its outputs swapped back."""
    __slots__ = ('method',)
    checks = Checks('real, imag', "real.dtype.kind == 'f'", 'real.ndim > 0',
                    'real.shape == imag.shape', 'real.dtype == imag.dtype')

    def __init__(self, method):
        self.method = method

    @property
    def label(self):
        return self.method

    def forward(self, inputs):
        real, imag = inputs
        xp = utils.array_module(real)
        y = getattr(xp.fft, self.method)(real + 1j * imag)
        return (utils.force_array(y.real.astype(real.dtype)),
                utils.force_array(y.imag.astype(real.dtype)))

    def gradient(self, ns, indexes, grad_outputs):
        gr, gi = grad_outputs
        if gr is None or gi is None:
            known = ns.data(gi if gr is None else gr)
            zero = utils.array_module(known).zeros_like(known)
            gr = zero if gr is None else gr
            gi = zero if gi is None else gi
        a, b = ns.call(FFT(self.method), (gi, gr))
        return b, a


def fft(x):
    """Fast Fourier transform over the last axis.

    Args:
        x (tuple): ``(real, imag)``: two float arrays or variables of one
            shape and dtype, the real and imaginary parts.

    Returns:
        tuple: ``(real, imag)`` of the result.
    """
    real, imag = x
    return FFT('fft').apply((real, imag))


def ifft(x):
    """Inverse fast Fourier transform over the last axis.

    Args:
        x (tuple): ``(real, imag)``: two float arrays or variables of one
            shape and dtype, the real and imaginary parts.

    Returns:
        tuple: ``(real, imag)`` of the result.
    """
    real, imag = x
    return FFT('ifft').apply((real, imag))
