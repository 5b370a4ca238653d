"""softmax_cross_entropy: softmax over axis 1 followed by the cross entropy."""
import numpy

from fastgrad import configuration, utils
from fastgrad._core.graph import Variable
from fastgrad.functions._util import sce_kernels
from fastgrad.functions._util.checks import Checks, same_device
from fastgrad.functions._util.recipe import Op
from fastgrad.functions.activation.log_softmax import log_softmax

_NAME = 'SoftmaxCrossEntropy'


def _log_softmax_array(x, xp):
    """Stable log-softmax over axis 1: x - max - log(sum(exp(x - max)))."""
    z = x - x.max(axis=1, keepdims=True)
    z -= xp.log(xp.exp(z).sum(axis=1, keepdims=True))
    return z


def _log_softmax(x):
    # The differentiable op, for the double-backprop path and soft targets.
    return log_softmax(x, axis=1)


def _check_class_weight(class_weight):
    if class_weight is None:
        return None
    if isinstance(class_weight, Variable):
        raise ValueError('softmax_cross_entropy: class_weight must be a numpy.ndarray or '
                         'cupy.ndarray, not a Variable')
    if not hasattr(class_weight, 'ndim'):
        raise TypeError('softmax_cross_entropy: class_weight must be an ndarray, got {}'
                        .format(type(class_weight).__name__))
    if class_weight.ndim != 1:
        raise ValueError('softmax_cross_entropy: class_weight.ndim must be 1, got {} '
                         '(shape {})'.format(class_weight.ndim, class_weight.shape))
    if class_weight.dtype.kind != 'f':
        raise ValueError("softmax_cross_entropy: class_weight.dtype.kind must be 'f', "
                         'got {}'.format(class_weight.dtype))
    return class_weight


def _class_axis_shape(ndim, n_classes):
    """(1, C, 1, ...): broadcasts a per-class array along axis 1 of x."""
    return (1, n_classes) + (1,) * (ndim - 2)


class SoftmaxCrossEntropy(Op):
    """Hard-label softmax cross entropy; t is an integer array of class labels."""
    __slots__ = ('normalize', 'cache_score', 'class_weight', 'ignore_label', 'reduce',
                 '_y', '_coeff', '_labels', '_w', '_t', '_fast')
    # class_weight (an ndarray of ndim 1, or None: checked by the function)
    # holds one weight per class
    checks = Checks('x, t', "x.dtype.kind == 'f'", "t.dtype.kind == 'i'", 'x.ndim >= 2',
                    't.ndim == x.ndim - 1', 'x.shape[0] == t.shape[0]',
                    'x.shape[2:] == t.shape[1:]',
                    'self.class_weight is None or self.class_weight.shape == (x.shape[1],)')

    def __init__(self, normalize=True, cache_score=True, class_weight=None,
                 ignore_label=-1, reduce='mean'):
        self.normalize = normalize
        self.cache_score = cache_score
        self.class_weight = class_weight
        self.ignore_label = ignore_label
        self.reduce = reduce
        self._y = None
        self._fast = None

    @property
    def y(self):
        """softmax(x) kept by the forward pass when ``cache_score`` is set, else None.

        The CuPy kernels keep only the rows' max and log-sum-exp (their
        gradient recomputes the score): ``y`` is made from them on first
        access."""
        if self._y is None and self.cache_score and self._fast is not None:
            x, = self.get_retained_input_arrays()
            mx, ls, _ = self._fast
            xp = utils.array_module(x)
            self._y = xp.exp((x - mx) - ls)
        return self._y

    def _check_labels(self, t, mask, n_classes, xp):
        bad = mask & ((t < 0) | (t >= n_classes))
        if bad.any():
            where = tuple(int(i[0]) for i in xp.nonzero(bad))
            raise ValueError(
                'softmax_cross_entropy: t{} = {} is out of range: each label must be in '
                '[0, {}) (x.shape[1] = {}) or equal ignore_label ({})'.format(
                    list(where), int(t[where]), n_classes, n_classes, self.ignore_label))

    def forward(self, inputs):
        x, t = inputs
        xp = utils.array_module(x)
        n_classes = x.shape[1]
        on_host = xp is numpy
        self.retain_inputs((0,))
        if sce_kernels.applies(x, t, self.class_weight, self.reduce):
            if configuration.is_debug():
                self._check_labels(t, t != self.ignore_label, n_classes, xp)
            # CuPy: two launches instead of about twenty-two (_util/sce_kernels.py)
            loss, mx, ls, coeff = sce_kernels.forward(x, t, self.ignore_label,
                                                      self.normalize, self.reduce)
            self._t, self._fast = t, (mx, ls, coeff)
            return loss,
        mask = t != self.ignore_label
        labels = xp.where(mask, t, 0)
        if on_host or configuration.is_debug():
            # on the GPU the check would wait for the device every step (and
            # break CUDA-graph capture): there it runs in debug mode, as in
            # Chainer.  An ignored label became 0 in labels, so two reductions
            # find a bad one; the message then names it.
            if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
                self._check_labels(t, mask, n_classes, xp)
        ct = utils.compute_dtype(x.dtype)
        log_y = _log_softmax_array(x.astype(ct, copy=False), xp)
        idx = labels.reshape(labels.shape[:1] + (1,) + labels.shape[1:])
        if x.ndim == 2:
            # the common case: one fancy index is cheaper than take_along_axis
            log_p = log_y[xp.arange(labels.shape[0]), labels]
        else:
            log_p = xp.take_along_axis(log_y, idx, axis=1)[:, 0]

        # Per-sample weight of -log_p: the mask, times the class weight.
        w = mask.astype(ct)
        if self.class_weight is not None:
            same_device('softmax_cross_entropy', 'class_weight', self.class_weight, x)
            w *= self.class_weight.astype(ct, copy=False)[labels]
        if self.reduce == 'mean' and not self.normalize:
            self._coeff = 1.0 / max(x.shape[0], 1)
        elif self.reduce == 'mean' and on_host:
            self._coeff = 1.0 / max(int(numpy.count_nonzero(mask)), 1)
        elif self.reduce == 'mean':
            # a 0-d device array: no host sync
            self._coeff = (1.0 / xp.maximum(mask.sum(), 1)).astype(ct)
        else:
            self._coeff = 1.0
        loss = xp.where(mask, -log_p * w, 0)
        if self.reduce == 'mean':
            loss = loss.sum() * self._coeff
        self._labels = idx
        self._w = w

        if self.cache_score:
            self._y = xp.exp(log_y)
        return utils.force_array(loss, x.dtype),

    def _generic_state(self, x, coeff):
        """The generic gradient's labels, weights and scale, after a forward
        on the kernels (which did not make them)."""
        xp = utils.array_module(x)
        mask = self._t != self.ignore_label
        self._labels = xp.expand_dims(xp.where(mask, self._t, 0), 1)
        self._w = mask.astype(x.dtype)
        self._coeff = 1.0 if coeff is None else coeff
        self._fast = None

    def _onehot(self, xp, n_classes, ndim):
        classes = xp.arange(n_classes).reshape(_class_axis_shape(ndim, n_classes))
        return self._labels == classes

    def gradient(self, ns, indexes, grad_outputs):
        if 0 not in indexes:                 # only t asked for: it has no gradient
            return (None,) * len(indexes)
        x, = ns.inputs(self)
        xa = ns.data(x)
        if self._fast is not None:
            mx, ls, coeff = self._fast
            gy = grad_outputs[0]
            if not ns.differentiable and gy.dtype == xa.dtype and sce_kernels.enabled(xa):
                # CuPy: one launch instead of about seven (_util/sce_kernels.py)
                gx = sce_kernels.backward(xa, self._t, self.ignore_label, mx, ls, coeff, gy)
                return tuple(gx if i == 0 else None for i in indexes)
            self._generic_state(xa, coeff)
        # raw float16 is computed in float32; Variables keep their dtype
        ct = xa.dtype if ns.differentiable else utils.compute_dtype(xa.dtype)
        if self._y is not None and not ns.differentiable:
            y = self._y                      # softmax(x) cached by forward
        else:
            y = ns.exp(ns.log_softmax(ns.cast(x, ct), axis=1))
        onehot = self._onehot(utils.array_module(xa), xa.shape[1], xa.ndim)
        w = (self._w * self._coeff).astype(ct, copy=False)
        w = w.reshape(w.shape[:1] + (1,) + w.shape[1:])
        gy = ns.cast(grad_outputs[0], ct)
        if self.reduce != 'mean':
            gy = ns.reshape(gy, w.shape)
        gx = ns.cast((y - onehot.astype(ct)) * w * gy, xa.dtype)
        return tuple(gx if i == 0 else None for i in indexes)

def _soft_target_loss(x, t, class_weight, reduce, soft_target_loss):
    """Soft targets (t holds probabilities, shaped like x): composed of
    differentiable ops; t itself is a constant."""
    from fastgrad.functions.math.sum import sum as sum_
    t_arr = t.array if isinstance(t, Variable) else t
    if t_arr.shape != x.shape:
        raise utils.invalid_type(_NAME, 'x.shape == t.shape (soft targets)',
                                 '{} != {}'.format(x.shape, t_arr.shape))
    if t_arr.dtype != x.dtype:
        raise utils.invalid_type(_NAME, 'x.dtype == t.dtype (soft targets)',
                                 '{} != {}'.format(x.dtype, t_arr.dtype))
    xp = utils.array_module(t_arr)
    log_y = _log_softmax(x)
    if class_weight is not None:
        if class_weight.shape != (x.shape[1],):
            raise utils.invalid_type(_NAME, 'class_weight.shape == (x.shape[1],) == ({},)'
                                     .format(x.shape[1]),
                                     'class_weight.shape = {}'.format(class_weight.shape))
        cw = class_weight.astype(x.dtype).reshape(_class_axis_shape(x.ndim, x.shape[1]))
        log_y = log_y * cw
    loss = -sum_(log_y * t_arr, axis=1)
    if soft_target_loss == 'kl-divergence':
        # + sum(t * log t), with 0 * log 0 = 0
        safe = xp.where(t_arr > 0, t_arr, 1)
        ent = utils.force_array((t_arr * xp.log(safe)).sum(axis=1), x.dtype)
        loss = loss + ent
    if reduce == 'mean':
        n = x.size // x.shape[1] if x.shape[1] else x.shape[0]
        loss = sum_(loss) / max(n, 1)
    return loss


def softmax_cross_entropy(x, t, normalize=True, cache_score=True, class_weight=None,
                          ignore_label=-1, reduce='mean', enable_double_backprop=False,
                          soft_target_loss='cross-entropy'):
    """Cross entropy of ``softmax(x)`` over axis 1 against labels ``t``.

    ``x`` is (N, C) or (N, C, d1, ...); ``t`` holds signed integer labels of
    shape (N,) or (N, d1, ...).  A sample with ``t == ignore_label`` adds no
    loss and gets no gradient.  ``reduce='mean'`` returns a scalar: the summed
    loss divided by the number of non-ignored samples (``normalize=True``) or
    by N (``normalize=False``); ``reduce='no'`` returns the loss per sample
    (0 where ignored).  ``class_weight`` (shape (C,)) scales each sample's loss
    by the weight of its label.  When ``t`` is a float array of ``x``'s shape
    it is a soft target (a distribution over classes) and the loss is the
    cross entropy or, with ``soft_target_loss='kl-divergence'``, the KL
    divergence, averaged over samples for ``reduce='mean'``.

    The gradient is always differentiable again (``enable_double_backprop`` is
    accepted for compatibility; ``cache_score`` keeps softmax(x) from the
    forward pass for the backward one).

    >>> x = np.array([[0., 0., 0.], [2., 0., 0.]], dtype=np.float32)
    >>> t = np.array([1, 2], dtype=np.int32)
    >>> np.round(F.softmax_cross_entropy(x, t, reduce='no').array, 4)
    array([1.0986, 2.2395], dtype=float32)
    >>> t[1] = -1  # ignored: the mean is over the first sample only
    >>> round(float(F.softmax_cross_entropy(x, t).array), 4)
    1.0986
    """
    if reduce not in ('mean', 'no'):
        raise ValueError("softmax_cross_entropy: only 'mean' and 'no' are valid for "
                         "'reduce', but '{}' is given".format(reduce))
    if soft_target_loss not in ('cross-entropy', 'kl-divergence'):
        raise ValueError("softmax_cross_entropy: soft_target_loss must be 'cross-entropy' "
                         "or 'kl-divergence', but '{}' is given".format(soft_target_loss))
    class_weight = _check_class_weight(class_weight)
    t_dtype = t.dtype
    if t_dtype.kind == 'f':
        return _soft_target_loss(x, t, class_weight, reduce, soft_target_loss)
    y, = SoftmaxCrossEntropy(normalize, cache_score, class_weight, ignore_label,
                             reduce).apply((x, t))
    return y
