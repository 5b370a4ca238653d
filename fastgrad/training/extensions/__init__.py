"""Trainer extensions (``chainer.training.extensions``)."""
from fastgrad.training.extensions._snapshot import snapshot, snapshot_object  # NOQA
from fastgrad.training.extensions import snapshot_writers  # NOQA
from fastgrad.training.extensions.evaluator import Evaluator  # NOQA
from fastgrad.training.extensions.exponential_shift import ExponentialShift  # NOQA
from fastgrad.training.extensions.fail_on_nonnumber import FailOnNonNumber  # NOQA
from fastgrad.training.extensions.log_report import LogReport  # NOQA
from fastgrad.training.extensions.micro_average import MicroAverage  # NOQA
from fastgrad.training.extensions.parameter_statistics import ParameterStatistics  # NOQA
from fastgrad.training.extensions.plot_report import PlotReport  # NOQA
from fastgrad.training.extensions.print_report import PrintReport  # NOQA
from fastgrad.training.extensions.progress_bar import ProgressBar  # NOQA
from fastgrad.training.extensions.value_observation import (  # NOQA
    observe_lr, observe_value)
from fastgrad.training.extensions._shifts import (  # NOQA
    InverseShift, LinearShift, MultistepShift, PolynomialShift, StepShift,
    WarmupShift)
from fastgrad.training.extensions import (  # NOQA  (Chainer's module paths)
    inverse_shift, linear_shift, multistep_shift, polynomial_shift, step_shift,
    warmup_shift)
from fastgrad.training.extensions.computational_graph import DumpGraph, dump_graph  # NOQA
from fastgrad.training.extensions.variable_statistics_plot import (  # NOQA
    VariableStatisticsPlot)
from fastgrad.training.extensions.variable_unchain import unchain_variables  # NOQA
