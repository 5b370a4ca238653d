"""L.Classifier: wraps a predictor, computes and reports loss and accuracy."""
from fastgrad import link
from fastgrad.functions.evaluation.accuracy import accuracy
from fastgrad.functions.loss.softmax_cross_entropy import softmax_cross_entropy

_reporter = None


def _report(values, observer):
    # fastgrad.reporter is imported on first use: links do not need it
    # until a Classifier runs.
    global _reporter
    if _reporter is None:
        from fastgrad import reporter
        _reporter = reporter
    _reporter.report(values, observer)


class Classifier(link.Chain):
    """``Classifier(predictor, lossfun=softmax_cross_entropy,
    accfun=accuracy, label_key=-1)``

    ``classifier(*args, **kwargs)`` takes the label ``t`` out of the
    arguments (``args[label_key]`` for an int key, ``kwargs[label_key]`` for
    a str one), computes ``y = predictor(*rest)``, ``loss = lossfun(y, t)``
    and, when ``compute_accuracy`` is true, ``accuracy = accfun(y, t)``;
    keeps them as the attributes ``y``, ``loss``, ``accuracy``, reports
    ``{'loss': ..., 'accuracy': ...}`` to the current reporter with this
    link as the observer, and returns the loss.

    >>> model = L.Classifier(L.Linear(3, 4))
    >>> loss = model(np.ones((2, 3), dtype=np.float32), np.array([0, 3], dtype=np.int32))
    >>> loss.shape, model.accuracy.shape
    ((), ())
    """

    compute_accuracy = True

    def __init__(self, predictor, lossfun=softmax_cross_entropy,
                 accfun=accuracy, label_key=-1):
        if not isinstance(label_key, (int, str)):
            raise TypeError('label_key must be int or str, but is %s'
                            % type(label_key))
        super().__init__()
        self.lossfun = lossfun
        self.accfun = accfun
        self.y = None
        self.loss = None
        self.accuracy = None
        self.label_key = label_key
        with self.init_scope():
            self.predictor = predictor

    def forward(self, *args, **kwargs):
        label_key = self.label_key
        if isinstance(label_key, int):
            n = len(args)
            if not -n <= label_key < n:
                raise ValueError('Label key %d is out of bounds' % label_key)
            t = args[label_key]
            if label_key == -1:
                args = args[:-1]
            else:
                # Normalize so that a negative key removes the right item.
                k = label_key % n
                args = args[:k] + args[k + 1:]
        else:
            if label_key not in kwargs:
                raise ValueError('Label key "%s" is not found' % label_key)
            t = kwargs.pop(label_key)

        self.y = None
        self.loss = None
        self.accuracy = None
        self.y = self.predictor(*args, **kwargs)
        self.loss = self.lossfun(self.y, t)
        _report({'loss': self.loss}, self)
        if self.compute_accuracy:
            self.accuracy = self.accfun(self.y, t)
            _report({'accuracy': self.accuracy}, self)
        return self.loss
