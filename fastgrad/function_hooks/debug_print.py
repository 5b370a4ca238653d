"""PrintHook: print each function's inputs (and output gradients in
backward) just before it runs."""
import sys
import warnings

from fastgrad import backend
from fastgrad.function_hook import FunctionHook


def _describe(array):
    if array is None:
        return '(removed)'
    xp = backend.get_array_module(array)
    lines = ['{}'.format(type(array).__module__ + '.' + type(array).__name__),
             'dtype: {}'.format(array.dtype), 'shape: {}'.format(array.shape)]
    if array.size:
        lines.append('statistics: mean={:.8f}, std={:.8f}'.format(
            float(xp.mean(array)), float(xp.std(array))))
    return '\n'.join(lines)


class PrintHook(FunctionHook):
    """Prints debug information of every function call.

    Args:
        sep: deprecated, ignored.
        end: appended to each printed line.
        file: where to print.
        flush: flush ``file`` after each call.

    >>> import io
    >>> from fastgrad.function_hooks import PrintHook
    >>> out = io.StringIO()
    >>> with PrintHook(file=out):
    ...     y = F.relu(np.array([-1., 1.], dtype=np.float32))
    >>> print(out.getvalue().expandtabs(1))
    function ReLU
    input data
    numpy.ndarray
    dtype: float32
    shape: (2,)
    statistics: mean=0.00000000, std=1.00000000
    <BLANKLINE>
    """

    name = 'PrintHook'

    def __init__(self, sep=None, end='\n', file=sys.stdout, flush=True):
        if sep is not None:
            warnings.warn('sep argument in PrintHook is deprecated.', DeprecationWarning)
        self.sep, self.end, self.file, self.flush = sep, end, file, flush

    def _print(self, msg):
        self.file.write(msg + self.end)

    def _process(self, function, in_data, out_grad=None):
        self._print('function\t{}'.format(function.label))
        self._print('input data')
        for d in in_data:
            self._print(_describe(d))
        if out_grad is not None:
            self._print('output gradient')
            for g in out_grad:
                self._print(_describe(getattr(g, 'array', g)))
        if self.flush and hasattr(self.file, 'flush'):
            self.file.flush()

    def forward_preprocess(self, function, in_data):
        self._process(function, in_data)

    def backward_preprocess(self, function, in_data, out_grad):
        self._process(function, in_data, out_grad)
