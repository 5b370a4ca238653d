"""``BackendConfig`` and ``inject_backend_tests``: run each test method once
per backend configuration (CPU; CuPy with or without cuDNN; ChainerX and
iDeep configurations are skipped: fastgrad has neither)."""
import functools
import unittest

from fastgrad.testing import parameterized


class BackendConfig(object):
    """One backend configuration: ``use_cuda``, ``cuda_device``,
    ``use_cudnn``, ``cudnn_deterministic``, ``autotune``,
    ``cudnn_fast_batch_normalization``, ``use_chainerx``,
    ``chainerx_device``, ``use_ideep``.  ``with config:`` applies its
    configuration and device.

    >>> from fastgrad import testing
    >>> config = testing.BackendConfig({'use_cuda': False})
    >>> config.device, config.xp is np
    (<CpuDevice @numpy>, True)
    >>> with config:
    ...     print(fastgrad.config.use_cudnn)
    never
    """

    _props = (('use_chainerx', False), ('chainerx_device', None),
              ('use_cuda', False), ('cuda_device', None), ('use_cudnn', 'never'),
              ('cudnn_deterministic', False), ('autotune', False),
              ('cudnn_fast_batch_normalization', False), ('use_ideep', 'never'))

    def __init__(self, params):
        if not isinstance(params, dict):
            raise TypeError('BackendConfig: params must be a dict, got {}'
                            .format(type(params).__name__))
        for k, v in self._props:
            setattr(self, k, v)
        for k, v in params.items():
            if k not in dict(self._props):
                raise ValueError('Parameter {} is not defined'.format(k))
            setattr(self, k, v)
        if self.use_chainerx and not isinstance(self.chainerx_device, str):
            raise ValueError("'chainerx_device' must be a ChainerX device specifier "
                             'string when use_chainerx is True')
        if self.use_cuda and self.cuda_device is None:
            self.cuda_device = 0
        self._device = None
        self._contexts = []

    @property
    def device(self):
        if self._device is None:
            from fastgrad import backend
            if self.use_chainerx:
                raise unittest.SkipTest('ChainerX is not available in fastgrad')
            if self.use_ideep != 'never':
                raise unittest.SkipTest('iDeep (intel64) is not available in fastgrad')
            if self.use_cuda:
                self._device = backend.GpuDevice(self.cuda_device)
            else:
                self._device = backend.CpuDevice()
        return self._device

    @property
    def xp(self):
        return self.device.xp

    def get_array(self, np_array):
        """``np_array`` (or a tuple/list of them) sent to this device."""
        if isinstance(np_array, (tuple, list)):
            return type(np_array)(self.get_array(a) for a in np_array)
        if np_array is None:
            return None
        return self.device.send(np_array)

    def __enter__(self):
        from fastgrad import backend, configuration
        contexts = [configuration.using_config('use_cudnn', self.use_cudnn),
                    configuration.using_config('cudnn_deterministic',
                                               self.cudnn_deterministic),
                    configuration.using_config('autotune', self.autotune),
                    configuration.using_config('use_ideep', self.use_ideep),
                    backend.using_device(self.device)]
        for c in contexts:
            c.__enter__()
        self._contexts.append(contexts)
        return self

    def __exit__(self, *exc):
        for c in reversed(self._contexts.pop()):
            c.__exit__(*exc)

    def __repr__(self):
        return '<BackendConfig {}>'.format(' '.join(
            '{}={!r}'.format(k, getattr(self, k)) for k, _ in self._props))

    def get_func_str(self):
        """This configuration as an identifier fragment."""
        def text(v):
            return 'true' if v is True else 'false' if v is False else str(v)
        return '__'.join('{}_{}'.format(k, text(getattr(self, k))) for k, _ in self._props)

    def get_pytest_marks(self):
        """The pytest marks of this configuration (gpu, cudnn, multi_gpu,
        chainerx, ideep) plus a skip where fastgrad cannot run it."""
        import pytest

        from fastgrad.testing import attr
        marks = []
        if self.use_chainerx:
            marks += [attr.chainerx, pytest.mark.skip(
                reason='ChainerX is not available in fastgrad')]
        elif self.use_cuda:
            marks.append(attr.gpu)
            if self.use_cudnn != 'never':
                marks.append(attr.cudnn)
            if self.cuda_device >= 1:
                marks.append(attr.multi_gpu(self.cuda_device + 1))
            from fastgrad.backends import cuda
            marks.append(pytest.mark.skipif(not cuda.available,
                                            reason='needs CuPy and a CUDA device'))
        elif self.use_ideep != 'never':
            marks += [attr.ideep, pytest.mark.skip(
                reason='iDeep (intel64) is not available in fastgrad')]
        return marks


def _with_backend(method, config):
    @functools.wraps(method)
    def run(self, *args, **kwargs):
        return method(self, config, *args, **kwargs)
    for mark in config.get_pytest_marks():
        run = mark(run)
    return run


def _test_methods(cls):
    return [name for name in dir(cls)
            if name.startswith('test_') and callable(getattr(cls, name, None))]


def inject_backend_tests(method_names, params):
    """Class decorator: each test method (all ``test_*`` if ``method_names``
    is None) runs once per backend configuration in ``params`` (a list of
    BackendConfig parameter dicts) and receives the BackendConfig as its
    first argument.  Stacks with :func:`parameterize` either way round.

    >>> import sys, types, unittest
    >>> from fastgrad import testing
    >>> module = sys.modules['test_sum'] = types.ModuleType('test_sum')
    >>> @testing.inject_backend_tests(None, [{}])   # needs pytest  # doctest: +SKIP
    ... class TestSum(unittest.TestCase):
    ...     __module__ = 'test_sum'   # the test module the classes go to
    ...     def test_sum(self, backend_config):
    ...         x = backend_config.get_array(np.ones(3, dtype=np.float32))
    ...         assert float(F.sum(x).array) == 3
    >>> cls, = [c for n, c in vars(module).items() if n.startswith('TestSum_')]  # doctest: +SKIP
    >>> cls('test_sum').test_sum()   # gets BackendConfig({})  # doctest: +SKIP
    >>> del sys.modules['test_sum']
    """
    if not (method_names is None or isinstance(method_names, list)):
        raise TypeError('method_names must be either None or a list.')
    if not isinstance(params, list) or not all(isinstance(d, dict) for d in params):
        raise TypeError('params must be a list of dicts.')
    configs = [BackendConfig(p) for p in params]

    def selected(name):
        return method_names is None or name in method_names

    def build_config(config):
        def build(src, name, test_flag):
            members = {'__module__': src.__module__, '__qualname__': name,
                       '__test__': test_flag}
            for m in _test_methods(src):
                members[m] = _with_backend(getattr(src, m), config) if selected(m) else None
            return type(name, (src,), members)
        return build

    def build_rest(src, name, test_flag):
        # The methods that take no backend run once, in a class of their own.
        members = {'__module__': src.__module__, '__qualname__': name,
                   '__test__': test_flag}
        for m in _test_methods(src):
            if selected(m):
                members[m] = None
        return type(name, (src,), members)

    def decorator(cls):
        variants = [('_' + c.get_func_str(), build_config(c)) for c in configs]
        if method_names is not None:
            variants.insert(0, ('_no_backend', build_rest))
        return parameterized.expand(cls, variants)
    return decorator
