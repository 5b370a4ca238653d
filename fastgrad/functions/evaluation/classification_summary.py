"""Per-class precision, recall, F-beta and support; r2_score.  Metrics, not
differentiable: they return Variables without a creator."""
import numpy

from fastgrad import utils
from fastgrad._core.graph import Variable


def _raw(x):
    return x.array if isinstance(x, Variable) else x


def _metric(a):
    return Variable(utils.force_array(a), requires_grad=False)


def classification_summary(y, t, label_num=None, beta=1.0, ignore_label=-1):
    """``(precision, recall, fbeta, support)``, each of shape (label_num,),
    from scores ``y`` (N, C, ...) and labels ``t`` (N, ...); instances whose
    label is ``ignore_label`` are left out.  ``label_num`` defaults to
    ``max(t) + 1``.  A class never predicted (or never present) gets nan, as
    with a 0 / 0.

    >>> y = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]], dtype=np.float32)
    >>> t = np.array([1, 1, 0], dtype=np.int32)
    >>> precision, recall, fbeta, support = F.classification_summary(y, t)
    >>> recall.array, support.array
    (array([0. , 0.5], dtype=float32), array([1, 2]))
    """
    y, t = _raw(y), _raw(t)
    if y.dtype.kind != 'f' or t.dtype.kind not in 'iu':
        raise utils.invalid_type('ClassificationSummary',
                                 "y.dtype.kind == 'f', t.dtype.kind == 'i'",
                                 'y.dtype = {}, t.dtype = {}'.format(y.dtype, t.dtype))
    if y.shape[0] != t.shape[0] or y.shape[2:t.ndim + 1] != t.shape[1:]:
        raise utils.invalid_type('ClassificationSummary',
                                 'y.shape[0] == t.shape[0], y.shape[2:] == t.shape[1:]',
                                 'y.shape = {}, t.shape = {}'.format(y.shape, t.shape))
    xp = utils.array_module(y)
    t = t.astype(numpy.int64).ravel()
    n = int(t.max()) + 1 if label_num is None else label_num
    ignored = t == ignore_label
    pred = xp.where(ignored, n, y.argmax(axis=1).ravel())
    true = xp.where(ignored, n, t)

    def count(labels):
        return xp.bincount(labels, minlength=n + 1)[:n]
    support = count(true)
    relevant = count(pred)
    tp = count(xp.where(pred == true, true, n))
    with numpy.errstate(divide='ignore', invalid='ignore'):
        precision = (tp / relevant).astype(y.dtype)
        recall = (tp / support).astype(y.dtype)
        b2 = beta * beta
        fbeta = ((1 + b2) * precision * recall / (b2 * precision + recall)).astype(y.dtype)
    return _metric(precision), _metric(recall), _metric(fbeta), _metric(support)


def precision(y, t, label_num=None, ignore_label=-1):
    """``(precision, support)`` per class.

    >>> y = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]], dtype=np.float32)
    >>> t = np.array([1, 1, 0], dtype=np.int32)
    >>> p, support = F.precision(y, t)
    >>> p.array, support.array
    (array([0. , 0.5], dtype=float32), array([1, 2]))
    """
    s = classification_summary(y, t, label_num, 1.0, ignore_label)
    return s[0], s[3]


def recall(y, t, label_num=None, ignore_label=-1):
    """``(recall, support)`` per class.

    >>> y = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]], dtype=np.float32)
    >>> t = np.array([1, 1, 0], dtype=np.int32)
    >>> r, support = F.recall(y, t)
    >>> r.array
    array([0. , 0.5], dtype=float32)
    """
    s = classification_summary(y, t, label_num, 1.0, ignore_label)
    return s[1], s[3]


def fbeta_score(y, t, label_num=None, beta=1.0, ignore_label=-1):
    """``(F-beta score, support)`` per class.

    >>> y = np.array([[0.1, 0.9], [0.8, 0.2], [0.7, 0.3]], dtype=np.float32)
    >>> t = np.array([1, 1, 0], dtype=np.int32)
    >>> f2, support = F.fbeta_score(y, t, beta=2.0)
    >>> f2.array
    array([0.8333333, 0.5555556], dtype=float32)
    """
    s = classification_summary(y, t, label_num, beta, ignore_label)
    return s[2], s[3]


def f1_score(y, t, label_num=None, ignore_label=-1):
    """``(F1 score, support)`` per class.

    >>> y = np.array([[0.1, 0.9], [0.8, 0.2], [0.7, 0.3]], dtype=np.float32)
    >>> t = np.array([1, 1, 0], dtype=np.int32)
    >>> f1, support = F.f1_score(y, t)
    >>> f1.array
    array([0.6666667, 0.6666667], dtype=float32)
    """
    return fbeta_score(y, t, label_num, 1.0, ignore_label)


def r2_score(pred, true, sample_weight=None, multioutput='uniform_average'):
    """Coefficient of determination 1 - SS_res / SS_tot over axis 0; the mean
    over outputs (``'uniform_average'``) or one per output (``'raw_values'``).

    An output whose targets are all equal (SS_tot = 0) scores 0.

    >>> pred = np.array([1., 2., 3.], dtype=np.float32)
    >>> t = np.array([1., 2., 4.], dtype=np.float32)
    >>> F.r2_score(pred, t).array
    array(0.78571427, dtype=float32)
    """
    if sample_weight is not None:
        raise NotImplementedError('r2_score: sample_weight is not supported (as in '
                                  'Chainer)')
    if multioutput not in ('uniform_average', 'raw_values'):
        raise ValueError("r2_score: multioutput must be 'uniform_average' or "
                         "'raw_values', got {!r}".format(multioutput))
    pred, true = _raw(pred), _raw(true)
    if pred.shape != true.shape or pred.dtype != true.dtype or pred.dtype.kind != 'f':
        raise utils.invalid_type('R2_score', 'pred.shape == true.shape, pred.dtype == '
                                 'true.dtype (float)', 'pred: {} {}, true: {} {}'.format(
                                     pred.shape, pred.dtype, true.shape, true.dtype))
    ss_res = ((true - pred) ** 2).sum(axis=0)
    ss_tot = ((true - true.mean(axis=0)) ** 2).sum(axis=0)
    # an output whose targets are all equal (ss_tot == 0) scores 0, as in Chainer
    xp = utils.array_module(pred)
    flat = ss_tot == 0
    r2 = xp.where(flat, 0, 1 - ss_res / xp.where(flat, 1, ss_tot)).astype(pred.dtype)
    return _metric(r2 if multioutput == 'raw_values' else r2.mean())
