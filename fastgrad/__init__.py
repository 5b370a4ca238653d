"""fastgrad: define-by-run autograd with Chainer's API and a compiled core.

    import fastgrad as chainer
    import fastgrad.functions as F
    import fastgrad.links as L
"""
from fastgrad._version import __version__  # NOQA

from fastgrad import backend  # NOQA
from fastgrad.configuration import (  # NOQA
    DebugMode, config, force_backprop_mode, get_dtype, global_config, is_debug, mixed16,
    no_backprop_mode, set_debug, using_config)
from fastgrad._core.graph import (  # NOQA
    FunctionNode, Variable, VariableNode, as_array, as_variable, backward, grad)
from fastgrad.variable import Parameter  # NOQA
from fastgrad.function import Function  # NOQA
from fastgrad.backend import get_array_types, get_device, using_device  # NOQA
from fastgrad import functions  # NOQA
from fastgrad.functions.math import basic_math  # NOQA  (chainer.basic_math)
from fastgrad._core import graph as _graph
from fastgrad._threads import get_num_threads, set_num_threads  # NOQA

_graph._install_functions(functions)

from fastgrad import initializers  # NOQA
from fastgrad.initializers import Initializer  # NOQA
from fastgrad.device_resident import DeviceResident  # NOQA
from fastgrad.link import Chain, ChainList, Link  # NOQA
from fastgrad.sequential import Sequential  # NOQA
from fastgrad import links  # NOQA
from fastgrad import reporter  # NOQA
from fastgrad.reporter import (  # NOQA
    DictSummary, Reporter, Summary, get_current_reporter, report, report_scope)
from fastgrad import dataset  # NOQA
from fastgrad import optimizer  # NOQA
from fastgrad import optimizer_hooks  # NOQA
from fastgrad import optimizers  # NOQA
from fastgrad import serializers  # NOQA
from fastgrad.optimizer import GradientMethod, Optimizer, UpdateRule  # NOQA
from fastgrad.serializers import AbstractSerializer, Deserializer, Serializer  # NOQA
# Chainer's module paths, reachable as attributes (chainer.initializer.Initializer).
from fastgrad import function_node, initializer, serializer  # NOQA
from fastgrad import backends  # NOQA
from fastgrad.backends import cuda  # NOQA
from fastgrad.runtime_info import print_runtime_info  # NOQA
from fastgrad._alias import install_as_chainer  # NOQA

# Chainer names with nothing to configure here.
disable_experimental_feature_warning = False
from fastgrad.function_hook import FunctionHook, get_function_hooks  # NOQA
from fastgrad.link_hook import LinkHook  # NOQA
from fastgrad import graph_optimizations  # NOQA
from fastgrad.graph_optimizations import static_code, static_graph  # NOQA
from fastgrad import configuration as _configuration  # noqa: E402  (after the names it syncs)
_configuration._sync_debug()   # CHAINER_DEBUG=1 was read before the core loaded

# Subpackages a training script may never touch load on first access
# (``chainer.training.Trainer``): ``import fastgrad`` stays small.
_LAZY_MODULES = frozenset((
    'datasets', 'distributions', 'function_hooks', 'gradient_check', 'iterators',
    'link_hooks', 'testing', 'training'))
_LAZY_NAMES = {
    'Distribution': 'distribution', 'cross_entropy': 'distribution',
    'kl_divergence': 'distribution', 'register_kl': 'distribution',
    'should_use_cudnn': 'backends.cuda', 'should_use_cudnn_tensor_core': 'backends.cuda'}


def __getattr__(name):
    import importlib
    if name in _LAZY_MODULES:
        return importlib.import_module('fastgrad.' + name)
    if name in _LAZY_NAMES:
        return getattr(importlib.import_module('fastgrad.' + _LAZY_NAMES[name]), name)
    raise AttributeError('module {!r} has no attribute {!r}'.format(__name__, name))


def __dir__():
    return sorted(set(globals()) | _LAZY_MODULES | set(_LAZY_NAMES))
