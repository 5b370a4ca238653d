"""unchain_variables: after the other extensions, cut the graphs of the
observed Variables (which ``keep_graph_on_report`` kept alive)."""
from fastgrad import configuration
from fastgrad._core.graph import Variable
from fastgrad.training import extension


class unchain_variables(extension.Extension):
    """Runs last (priority 0) at iterations where keep_graph_on_report was on.

    >>> import tempfile
    >>> from fastgrad import training
    >>> from fastgrad.training import extensions
    >>> x = np.array([[0, 1], [1, 0], [2, 1], [1, 2]], np.float32)
    >>> t = np.array([0, 1, 1, 0], np.int32)
    >>> model = L.Classifier(L.Linear(2, 2, initialW=0))
    >>> optimizer = fastgrad.optimizers.SGD(lr=0.1)
    >>> _ = optimizer.setup(model)
    >>> dataset = fastgrad.datasets.TupleDataset(x, t)
    >>> it = fastgrad.iterators.SerialIterator(dataset, 2, shuffle=False)
    >>> out = tempfile.TemporaryDirectory()
    >>> updater = training.StandardUpdater(it, optimizer)
    >>> trainer = training.Trainer(updater, (1, 'iteration'), out=out.name)
    >>> trainer.extend(extensions.DumpGraph('main/loss'))  # keeps the graph of main/loss
    >>> trainer.extend(extensions.unchain_variables())
    >>> trainer.run()
    >>> loss = trainer.observation['main/loss']
    >>> loss.creator is None  # its graph was cut after the other extensions
    True
    >>> out.cleanup()
    """

    priority = 0

    def __init__(self):
        self._prev_flag = None

    def initialize(self, trainer):
        self._prev_flag = configuration.config.keep_graph_on_report

    def trigger(self, trainer):
        flag = self._prev_flag
        self._prev_flag = configuration.config.keep_graph_on_report
        return flag

    def __call__(self, trainer):
        for value in trainer.observation.values():
            if isinstance(value, Variable):
                value.unchain_backward()
