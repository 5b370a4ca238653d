"""L.BatchNormalization: batch normalization with running statistics."""
import copy

import numpy

from fastgrad import backend, configuration, initializers, link, variable
from fastgrad.functions.normalization.batch_normalization import batch_normalization
from fastgrad.functions.normalization.fixed_batch_normalization import fixed_batch_normalization


def _highprec_dtype(dtype):
    # Parameters and statistics of a mixed16 model are kept in float32.
    return configuration.get_dtype(dtype, map_mixed16=numpy.float32)


def _with_dtype(initializer, dtype):
    """The initializer resolved from a spec, with its dtype set (a copy when
    the caller passed an initializer object, so theirs is left untouched)."""
    resolved = initializers._get_initializer(initializer)
    if resolved is initializer:
        resolved = copy.copy(resolved)
    resolved.dtype = dtype
    return resolved


class BatchNormalization(link.Link):
    """``BatchNormalization(size=None, decay=0.9, eps=2e-5, dtype=None,
    use_gamma=True, use_beta=True, initial_gamma=None, initial_beta=None,
    axis=None, initial_avg_mean=None, initial_avg_var=None)``

    Parameters ``gamma`` (ones) and ``beta`` (zeros); persistent values
    ``avg_mean`` (zeros), ``avg_var`` (ones) and ``N`` (the fine-tuning
    count).  In training mode (``config.train``) the batch statistics
    normalize ``x`` and update the running averages
    (``avg = decay * avg + (1 - decay) * batch_stat``, the variance unbiased);
    otherwise the running averages are used.  ``forward(x, finetune=True)``
    accumulates a plain average over the batches seen since
    :meth:`start_finetuning`.

    ``size`` (int or shape) is the shape of the statistics; with ``axis``
    (the axes to reduce, e.g. ``(0, 2, 3)``) ``size`` may be omitted and is
    then taken from the first input.  Without ``axis`` the statistics are
    over axis 0 and the axes after those of ``size``.

    >>> l = L.BatchNormalization(3)
    >>> y = l(np.array([[1., 2., 3.], [3., 4., 9.]], dtype=np.float32))
    >>> bool(abs(y.array.mean(axis=0)).max() < 1e-6)
    True
    >>> l.avg_mean   # running mean: 0.1 * the batch mean (decay=0.9)
    array([0.2, 0.3, 0.6], dtype=float32)
    """

    gamma = None
    beta = None
    avg_mean = None
    avg_var = None

    def __init__(self, size=None, decay=0.9, eps=2e-5, dtype=None,
                 use_gamma=True, use_beta=True, initial_gamma=None,
                 initial_beta=None, axis=None, initial_avg_mean=None,
                 initial_avg_var=None):
        super().__init__()
        if size is None and axis is None:
            raise RuntimeError('size or axis is required')
        self._initial_avg_mean = initial_avg_mean
        self._initial_avg_var = initial_avg_var
        self.N = 0
        self.register_persistent('N')
        self.decay = decay
        self.eps = eps
        if isinstance(axis, int):
            axis = (axis,)
        self.axis = axis
        self._highprec_dtype = _highprec_dtype(dtype)
        with self.init_scope():
            if use_gamma:
                self.gamma = variable.Parameter(_with_dtype(
                    1 if initial_gamma is None else initial_gamma,
                    self._highprec_dtype))
            if use_beta:
                self.beta = variable.Parameter(_with_dtype(
                    0 if initial_beta is None else initial_beta,
                    self._highprec_dtype))
        # Registered from the start (None until the size is known), so that
        # a lazily sized link can be loaded from a snapshot before its first
        # call.
        self.avg_mean = None
        self.avg_var = None
        self.register_persistent('avg_mean')
        self.register_persistent('avg_var')
        if size is not None:
            self._initialize_params(size)

    def _initialize_params(self, shape):
        self.avg_mean = self._init_array(self._initial_avg_mean, 0, shape)
        self._initial_avg_mean = None
        self.avg_var = self._init_array(self._initial_avg_var, 1, shape)
        self._initial_avg_var = None
        if self.gamma is not None:
            self.gamma.initialize(shape)
        if self.beta is not None:
            self.beta.initialize(shape)

    def _init_array(self, initializer, default_value, shape):
        if initializer is None:
            initializer = default_value
        return initializers.generate_array(
            initializers._get_initializer(initializer), shape, self.xp,
            dtype=self._highprec_dtype, device=self.device)

    @property
    def printable_specs(self):
        # Chainer prints size/dtype from avg_mean (None here until a lazy
        # link sees its first input) and hasattr() for use_gamma/use_beta,
        # which is always True because of the class attributes; the flags
        # here tell whether the parameter exists.
        avg = self.avg_mean
        yield 'size', None if avg is None else avg.shape[0]
        yield 'decay', self.decay
        yield 'eps', self.eps
        yield 'dtype', self._highprec_dtype if avg is None else avg.dtype
        yield 'use_gamma', self.gamma is not None
        yield 'use_beta', self.beta is not None

    def forward(self, x, *, finetune=False, **kwargs):
        """Normalize ``x``; see the class docstring for the two modes."""
        if kwargs:
            if 'test' in kwargs:
                raise ValueError('test argument is not supported anymore. '
                                 'Use chainer.using_config')
            raise TypeError('BatchNormalization.forward() got unexpected '
                            'keyword argument(s): {}'.format(
                                ', '.join(sorted(kwargs))))
        if self.avg_mean is None:
            self._initialize_params(tuple(
                d for i, d in enumerate(x.shape) if i not in self.axis))

        gamma = self.gamma
        if gamma is None:
            with backend.using_device(self.device):
                gamma = self.xp.ones(self.avg_mean.shape,
                                     dtype=self._highprec_dtype)
        beta = self.beta
        if beta is None:
            with backend.using_device(self.device):
                beta = self.xp.zeros(self.avg_mean.shape,
                                     dtype=self._highprec_dtype)

        config = configuration.config
        if config.train:
            if finetune:
                self.N += 1
                decay = 1. - 1. / self.N
            else:
                decay = self.decay
            avg_mean = self.avg_mean
            avg_var = self.avg_var
            if config.in_recomputing:
                # A recomputation pass must not count the batch twice.
                if finetune:
                    self.N -= 1
                avg_mean = avg_var = None
            return batch_normalization(
                x, gamma, beta, eps=self.eps, running_mean=avg_mean,
                running_var=avg_var, decay=decay, axis=self.axis)
        return fixed_batch_normalization(
            x, gamma, beta, self.avg_mean, self.avg_var, self.eps,
            axis=self.axis)

    def start_finetuning(self):
        """Reset the count of the fine-tuning average (``N``)."""
        self.N = 0
