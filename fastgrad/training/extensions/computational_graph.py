"""DumpGraph: write the graph that computed an observed value (e.g.
``'main/loss'``) to a dot file once, at the first iteration."""
import os
import shutil
import subprocess

from fastgrad import computational_graph, configuration
from fastgrad._core.graph import Variable
from fastgrad.training import extension


def is_graphviz_available():
    return shutil.which('dot') is not None


class DumpGraph(extension.Extension):
    """Writes the computational graph of an observed Variable as a Graphviz
    dot file, once, after the first iteration.

    Args:
        root_name (str): the observation key of the graph's output.
        filename (str): file name in ``trainer.out`` (default ``cg.dot``;
            Chainer's ``out_name=`` is accepted too).
        variable_style, function_style (dict): dot styles.

    It sets ``config.keep_graph_on_report`` until it has run (the reporter
    then keeps the graph of reported values), and renders a PNG too when
    Graphviz's ``dot`` is on the PATH.

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
    >>> trainer.extend(extensions.DumpGraph('main/loss', filename='graph.dot'))
    >>> trainer.run()
    >>> import os
    >>> with open(os.path.join(out.name, 'graph.dot')) as f:
    ...     dot = f.read()
    >>> dot.startswith('digraph'), 'SoftmaxCrossEntropy' in dot
    (True, True)
    >>> out.cleanup()
    """

    default_name = 'dump_graph'
    priority = extension.PRIORITY_WRITER

    def __init__(self, root_name, filename=None, variable_style=None,
                 function_style=None, **kwargs):
        out_name = kwargs.pop('out_name', 'cg.dot')
        if kwargs:
            raise TypeError('DumpGraph: unexpected arguments {}'.format(sorted(kwargs)))
        self._root_name = root_name
        self._filename = out_name if filename is None else filename
        self._variable_style = ('default' if variable_style is None else variable_style)
        self._function_style = ('default' if function_style is None else function_style)
        self._original_flag = None
        self._flag_called = False

    def initialize(self, trainer):
        if not self._flag_called:
            self._original_flag = configuration.config.keep_graph_on_report
            configuration.config.keep_graph_on_report = True

    def trigger(self, trainer):
        if self._flag_called:
            return False
        self._flag_called = True
        return True

    def __call__(self, trainer):
        try:
            var = trainer.observation[self._root_name]
            if not isinstance(var, Variable):
                raise TypeError('DumpGraph: the observation {!r} is not a Variable '
                                '(got {})'.format(self._root_name, type(var).__name__))
            dot = computational_graph.build_computational_graph(
                [var], variable_style=self._variable_style,
                function_style=self._function_style).dump()
            path = os.path.join(trainer.out, self._filename)
            with open(path, 'w') as f:
                f.write(dot)
            if is_graphviz_available():
                png = os.path.splitext(path)[0] + '.png'
                subprocess.check_call(['dot', '-Tpng', path, '-o', png])
        finally:
            configuration.config.keep_graph_on_report = self._original_flag

    def serialize(self, serializer):
        self._original_flag = serializer('_original_flag', self._original_flag)
        self._flag_called = serializer('_flag_called', self._flag_called)


def dump_graph(root_name, out_name='cg.dot', variable_style=None, function_style=None):
    """Chainer's older function form of :class:`DumpGraph`.

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
    >>> trainer.extend(extensions.dump_graph('main/loss', out_name='graph.dot'))
    >>> trainer.run()
    >>> import os
    >>> os.path.exists(os.path.join(out.name, 'graph.dot'))
    True
    >>> out.cleanup()
    """
    return DumpGraph(root_name, out_name, variable_style, function_style)
