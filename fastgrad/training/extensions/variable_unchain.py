"""unchain_variables: after the other extensions, cut the graphs of the
observed Variables (which ``keep_graph_on_report`` kept alive)."""
from fastgrad import configuration
from fastgrad._core.graph import Variable
from fastgrad.training import extension


class unchain_variables(extension.Extension):
    """Runs last (priority 0) at iterations where keep_graph_on_report was on."""

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
