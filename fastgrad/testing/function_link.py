"""``FunctionTestCase``, ``LinkTestCase`` and ``LinkInitializersTestCase``:
declare inputs and the expected outputs of an op or a link once; the test
case checks forward (against ``forward_expected``), backward (numerical
gradients) and double backward on every backend configuration it is given
by :func:`inject_backend_tests`, with non-contiguous arrays by default."""
import contextlib
import unittest

import numpy

from fastgrad.testing import array as array_module


class _TestError(AssertionError):
    @classmethod
    def fail(cls, message, exc=None):
        if exc is not None:
            raise cls('{}\n\n({}) {}'.format(message, type(exc).__name__, exc)) from exc
        raise cls(message)

    @classmethod
    @contextlib.contextmanager
    def raise_if_fail(cls, message, error_types=AssertionError):
        try:
            yield
        except error_types as e:
            cls.fail(message, e)


class FunctionTestError(_TestError):
    """A FunctionTestCase check failed.

    >>> from fastgrad import testing
    >>> class TestWrong(testing.FunctionTestCase):
    ...     def generate_inputs(self):
    ...         return np.ones(2, dtype=np.float32),
    ...     def forward(self, inputs, device):
    ...         return F.relu(inputs[0]),
    ...     def forward_expected(self, inputs):
    ...         return -inputs[0],   # wrong on purpose
    >>> try:
    ...     TestWrong('test_forward').test_forward(testing.BackendConfig({}))
    ... except testing.FunctionTestError as e:
    ...     print(type(e).__name__, isinstance(e, AssertionError))
    FunctionTestError True
    """


class LinkTestError(_TestError):
    """A LinkTestCase check failed.

    >>> from fastgrad import testing
    >>> class TestWrongLinear(testing.LinkTestCase):
    ...     def generate_params(self):
    ...         return 1.,
    ...     def create_link(self, inits):
    ...         return L.Linear(2, 1, initialW=inits[0], nobias=True)
    ...     def generate_inputs(self):
    ...         return np.ones((1, 2), dtype=np.float32),
    ...     def forward_expected(self, link, inputs):
    ...         return np.zeros((1, 1), dtype=np.float32),   # wrong: x @ W.T is 2
    >>> try:
    ...     TestWrongLinear('test_forward').test_forward(testing.BackendConfig({}))
    ... except testing.LinkTestError as e:
    ...     print(type(e).__name__, isinstance(e, AssertionError))
    LinkTestError True
    """


class InitializerArgument(object):
    """An initializer argument of a link constructor whose effect is another
    initializer (e.g. None meaning "the default"): ``argument_value`` is
    passed, ``expected_initializer`` is what the parameter must hold.

    >>> from fastgrad import testing
    >>> arg = testing.InitializerArgument(None, 0)   # initial_bias=None: zeros
    >>> arg.argument_value, arg.expected_initializer
    (None, 0)
    >>> bool((L.Linear(2, 3, initial_bias=arg.argument_value).b.array == 0).all())
    True
    """

    def __init__(self, argument_value, expected_initializer):
        if expected_initializer is None:
            raise ValueError('expected_initializer cannot be None.')
        self.argument_value = argument_value
        self.expected_initializer = expected_initializer


def _props(arrays):
    return ', '.join('{}:{}'.format(a.shape, a.dtype) if a is not None else 'None'
                     for a in arrays)


def _check_cpu_arrays(arrays, func_name):
    if not isinstance(arrays, tuple):
        raise TypeError('`{}()` must return a tuple, not {}.'.format(
            func_name, type(arrays)))
    if not all(a is None or isinstance(a, numpy.ndarray) for a in arrays):
        raise TypeError('{}() must return a tuple of NumPy arrays or None.\nActual: {}'
                        .format(func_name, tuple(type(a) for a in arrays)))


def _check_variables(outputs, device, func_name, error):
    import fastgrad
    if not isinstance(outputs, tuple):
        error.fail('`{}()` must return a tuple, not {}.'.format(func_name, type(outputs)))
    if not all(isinstance(v, fastgrad.Variable) for v in outputs):
        error.fail('{}() must return a tuple of Variables.\nActual: {}'.format(
            func_name, ', '.join(str(type(v)) for v in outputs)))
    xp = device.xp
    if not all(isinstance(v.array, xp.ndarray) for v in outputs):
        error.fail('{}() must return Variables of {} arrays.\nActual: {}'.format(
            func_name, xp.__name__, ', '.join(str(type(v.array)) for v in outputs)))


def _check_arrays_equal(actual, expected, error, **opts):
    message = detail = None
    if len(actual) != len(expected):
        message = 'Number of outputs ({}, {}) does not match'.format(
            len(actual), len(expected))
    elif not all(a.shape == e.shape and a.dtype == e.dtype
                 for a, e in zip(actual, expected)):
        message = 'Shapes and/or dtypes do not match'
    else:
        errors = []
        for i, (a, e) in enumerate(zip(actual, expected)):
            try:
                array_module.assert_allclose(a, e, **opts)
            except AssertionError as exc:
                errors.append((i, exc))
        if errors:
            message = ('Outputs do not match the expected values.\nIndices of outputs '
                       'that do not match: {}'.format(', '.join(str(i) for i, _ in errors)))
            detail = '\n'.join('Error details of output [{}]:\n{}'.format(i, e)
                               for i, e in errors)
    if message is not None:
        msg = '{}\nExpected shapes and dtypes: {}\nActual shapes and dtypes:   {}\n'.format(
            message, _props(expected), _props(actual))
        if detail:
            msg += '\n\n' + detail
        error.fail(msg)


def _until_differentiable(dodge, check):
    """Run ``check``; with ``dodge``, draw again while the inputs land on a
    non-differentiable point."""
    from fastgrad import gradient_check
    while True:
        try:
            return check()
        except gradient_check.NondifferentiableError:
            if not dodge:
                raise


def _random_like(arrays):
    return tuple(None if a is None else
                 numpy.random.uniform(-1, 1, a.shape).astype(a.dtype) for a in arrays)


class _Base(object):
    backend_config = None
    contiguous = None
    check_forward_options = None
    check_backward_options = None
    skip_forward_test = False
    skip_backward_test = False
    dodge_nondifferentiable = False
    numerical_grad_dtype = numpy.float64

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.check_forward_options = {}
        self.check_backward_options = {}

    def before_test(self, test_name):
        pass

    def generate_inputs(self):
        raise NotImplementedError('generate_inputs() is not implemented.')

    def generate_grad_outputs(self, outputs_template):
        return _random_like(outputs_template)

    def _noncontiguous(self, arrays):
        if self.contiguous is None:
            return array_module._as_noncontiguous_array(arrays)
        if self.contiguous == 'C':
            return arrays
        raise ValueError('Invalid value of `contiguous`: {!r}'.format(self.contiguous))

    # Chainer's private name, used by some test suites.
    _to_noncontiguous_as_needed = _noncontiguous

    def _generate_inputs(self):
        inputs = self.generate_inputs()
        _check_cpu_arrays(inputs, 'generate_inputs')
        return inputs

    def _generate_grad_outputs(self, outputs_template):
        grads = self.generate_grad_outputs(outputs_template)
        _check_cpu_arrays(grads, 'generate_grad_outputs')
        return grads


class FunctionTestBase(_Base):
    """The checks of :class:`FunctionTestCase`, without unittest."""

    check_double_backward_options = None
    skip_double_backward_test = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.check_double_backward_options = {}

    def forward(self, inputs, device):
        raise NotImplementedError('forward() is not implemented.')

    def forward_expected(self, inputs):
        raise NotImplementedError('forward_expected() is not implemented.')

    def generate_grad_grad_inputs(self, inputs_template):
        return _random_like(inputs_template)

    def check_forward_outputs(self, outputs, expected_outputs):
        _check_arrays_equal(outputs, expected_outputs, FunctionTestError,
                            **self.check_forward_options)

    def _forward_expected(self, inputs):
        outputs = self.forward_expected(inputs)
        _check_cpu_arrays(outputs, 'forward_expected')
        return outputs

    def _forward(self, inputs, backend_config):
        with backend_config:
            outputs = self.forward(inputs, backend_config.device)
        _check_variables(outputs, backend_config.device, 'forward', FunctionTestError)
        return outputs

    def _start(self, backend_config, name):
        self.backend_config = backend_config
        self.test_name = name
        self.before_test(name)

    def run_test_forward(self, backend_config):
        import fastgrad
        if self.skip_forward_test:
            raise unittest.SkipTest('skip_forward_test is set')
        self._start(backend_config, 'test_forward')
        cpu_inputs = self._noncontiguous(self._generate_inputs())
        copies = [a.copy() for a in cpu_inputs]
        expected = self._forward_expected(cpu_inputs)
        inputs = self._noncontiguous(backend_config.get_array(cpu_inputs))
        outputs = self._forward(tuple(fastgrad.Variable(a, requires_grad=a.dtype.kind == 'f')
                                      for a in inputs), backend_config)
        changed = []
        for i, (before, after) in enumerate(zip(copies, inputs)):
            try:
                array_module.assert_allclose(before, after, atol=0, rtol=0)
            except AssertionError:
                changed.append(i)
        if changed:
            FunctionTestError.fail('Input arrays have been modified during forward.\n'
                                   'Indices of modified inputs: {}'.format(changed))
        self.check_forward_outputs(tuple(v.array for v in outputs), expected)

    def _gradient_inputs(self, backend_config, with_grad_grad):
        inputs = self._generate_inputs()
        grad_outputs = self._generate_grad_outputs(self._forward_expected(inputs))
        arrays = [inputs, grad_outputs]
        if with_grad_grad:
            ggx = self.generate_grad_grad_inputs(inputs)
            _check_cpu_arrays(ggx, 'generate_grad_grad_inputs')
            # no grad-grad for inputs that are not differentiated (int)
            arrays.append(tuple(g for g in ggx if g is None or g.dtype.kind == 'f'))
        return [self._noncontiguous(backend_config.get_array(a)) for a in arrays]

    def run_test_backward(self, backend_config):
        from fastgrad import gradient_check
        if self.skip_backward_test:
            raise unittest.SkipTest('skip_backward_test is set')
        self._start(backend_config, 'test_backward')

        def check():
            inputs, grad_outputs = self._gradient_inputs(backend_config, False)
            with FunctionTestError.raise_if_fail('backward is not implemented correctly'):
                gradient_check.check_backward(
                    lambda *xs: self._forward(xs, backend_config), inputs, grad_outputs,
                    dtype=self.numerical_grad_dtype,
                    detect_nondifferentiable=self.dodge_nondifferentiable,
                    **self.check_backward_options)
        _until_differentiable(self.dodge_nondifferentiable, check)

    def run_test_double_backward(self, backend_config):
        from fastgrad import gradient_check
        if self.skip_double_backward_test:
            raise unittest.SkipTest('skip_double_backward_test is set')
        self._start(backend_config, 'test_double_backward')

        def check():
            inputs, grad_outputs, ggx = self._gradient_inputs(backend_config, True)
            self._check_backward_paths_agree(inputs, grad_outputs, backend_config)
            with backend_config, FunctionTestError.raise_if_fail(
                    'double backward is not implemented correctly'):
                gradient_check.check_double_backward(
                    lambda *xs: self._forward(xs, backend_config), inputs, grad_outputs,
                    ggx, dtype=self.numerical_grad_dtype,
                    detect_nondifferentiable=self.dodge_nondifferentiable,
                    **self.check_double_backward_options)
        _until_differentiable(self.dodge_nondifferentiable, check)


    def _first_order_grads(self, inputs, grad_outputs, backend_config, double):
        import fastgrad
        xs = tuple(fastgrad.Variable(a, requires_grad=a.dtype.kind == 'f') for a in inputs)
        with backend_config:
            ys = self._forward(xs, backend_config)
            pairs = [(y, gy) for y, gy in zip(ys, grad_outputs)
                     if gy is not None and y.creator is not None]
            if len({id(y) for y, _ in pairs}) != len(pairs):
                return None  # an output repeated: nothing op-specific to compare
            if pairs:
                fastgrad.backward([y for y, _ in pairs], [gy for _, gy in pairs],
                                  enable_double_backprop=double)
        return [None if x.grad is None else backend_config.device.xp.asarray(x.grad)
                for x in xs]

    def _check_backward_paths_agree(self, inputs, grad_outputs, backend_config):
        """The first-order gradients of the differentiable path (backward with
        ``enable_double_backprop=True``) equal those of the fast path (without),
        in value (``check_backward_options`` tolerances), dtype and shape."""
        fast = self._first_order_grads(inputs, grad_outputs, backend_config, False)
        slow = self._first_order_grads(inputs, grad_outputs, backend_config, True)
        if fast is None or slow is None:
            return
        opts = {k: self.check_backward_options[k] for k in ('atol', 'rtol')
                if k in self.check_backward_options}
        for i, (f, s) in enumerate(zip(fast, slow)):
            if (f is None) != (s is None):
                FunctionTestError.fail(
                    'input {}: the fast backward path gives {} gradient, the '
                    'differentiable path {}'.format(i, 'no' if f is None else 'a',
                                                   'none' if s is None else 'one'))
            if f is None:
                continue
            with FunctionTestError.raise_if_fail(
                    'input {}: the fast backward path and the differentiable path '
                    '(enable_double_backprop=True) disagree'.format(i)):
                assert f.dtype == s.dtype and f.shape == s.shape, (
                    'fast {}:{} vs differentiable {}:{}'.format(
                        f.shape, f.dtype, s.shape, s.dtype))
                array_module.assert_allclose(f, s, **opts)


class FunctionTestCase(FunctionTestBase, unittest.TestCase):
    """Test case of a function: override ``generate_inputs()`` (a tuple of
    NumPy arrays), ``forward(inputs, device)`` (Variables in, a tuple of
    Variables out) and ``forward_expected(inputs)`` (NumPy in and out).
    Options: ``check_forward_options``, ``check_backward_options``,
    ``check_double_backward_options`` (dicts of tolerances),
    ``skip_forward_test``, ``skip_backward_test``,
    ``skip_double_backward_test``, ``dodge_nondifferentiable``,
    ``contiguous`` (None: non-contiguous arrays; 'C').

    ``test_backward`` checks the fast path (backward without double
    backprop) against numerical gradients; ``test_double_backward`` checks
    that the differentiable path (``enable_double_backprop=True``) gives the
    same first-order gradients, then checks its own gradients numerically.

    >>> from fastgrad import testing
    >>> class TestDouble(testing.FunctionTestCase):
    ...     def generate_inputs(self):
    ...         return np.array([1., 2.], dtype=np.float32),
    ...     def forward(self, inputs, device):
    ...         return inputs[0] * 2,
    ...     def forward_expected(self, inputs):
    ...         return inputs[0] * 2,
    >>> cpu = testing.BackendConfig({})
    >>> case = TestDouble('test_forward')
    >>> case.test_forward(cpu); case.test_backward(cpu)
    """

    def test_forward(self, backend_config):
        self.run_test_forward(backend_config)

    def test_backward(self, backend_config):
        self.run_test_backward(backend_config)

    def test_double_backward(self, backend_config):
        self.run_test_double_backward(backend_config)


def _link_params(link, names):
    params = []
    for name in names:
        p = getattr(link, name, None)
        if p is None:
            LinkTestError.fail("Link does not have a parameter named '{}'.".format(name))
        params.append(p)
    return params


def _check_initializer_like(init):
    if isinstance(init, InitializerArgument):
        init = init.expected_initializer
    elif init is None:
        raise ValueError('A None initializer must be wrapped in a InitializerArgument '
                         'along with the expected initializer fallen back to.')
    if not (callable(init) or numpy.isscalar(init) or isinstance(init, numpy.ndarray)):
        raise TypeError('{!r} is not an initializer-like'.format(init))


def _argument(init):
    return init.argument_value if isinstance(init, InitializerArgument) else init


class _LinkBase(_Base):
    param_names = ()

    def generate_params(self):
        raise NotImplementedError('generate_params is not implemented.')

    def create_link(self, initializers):
        raise NotImplementedError('create_link is not implemented.')

    def forward(self, link, inputs, device):
        outputs = link(*inputs)
        return outputs if isinstance(outputs, tuple) else (outputs,)

    def check_forward_outputs(self, outputs, expected_outputs):
        _check_arrays_equal(outputs, expected_outputs, LinkTestError,
                            **self.check_forward_options)

    def _generate_params(self):
        inits = self.generate_params()
        if not isinstance(inits, (tuple, list)):
            raise TypeError('`generate_params` must return a tuple or a list.')
        for init in inits:
            _check_initializer_like(init)
        return inits

    def _create_link(self, initializers, backend_config):
        import fastgrad
        link = self.create_link(initializers)
        if not isinstance(link, fastgrad.Link):
            raise TypeError('`create_link` must return a chainer.Link object.')
        link.to_device(backend_config.device)
        return link

    def _forward(self, link, inputs, backend_config):
        with backend_config:
            outputs = self.forward(link, inputs, backend_config.device)
        _check_variables(outputs, backend_config.device, 'forward', LinkTestError)
        return outputs

    def _create_initialized_link(self, inits, backend_config):
        import fastgrad
        link = self._create_link([_argument(i) for i in inits], backend_config)
        inputs = self._noncontiguous(backend_config.get_array(self._generate_inputs()))
        outputs = self._forward(link, tuple(fastgrad.Variable(x) for x in inputs),
                                backend_config)
        link.cleargrads()
        return link, inputs, [v.array for v in outputs]


class LinkTestCase(_LinkBase, unittest.TestCase):
    """Test case of a link: override ``generate_params()`` (initializer-likes
    for the constructor), ``create_link(initializers)``,
    ``generate_inputs()``, ``forward_expected(link, inputs)`` and optionally
    ``forward(link, inputs, device)``; ``param_names`` lists the parameters
    whose gradients the backward test checks.

    >>> from fastgrad import testing
    >>> class TestLinear(testing.LinkTestCase):
    ...     param_names = ('W', 'b')
    ...     def generate_params(self):
    ...         return 1., 0.5
    ...     def create_link(self, inits):
    ...         return L.Linear(3, 2, initialW=inits[0], initial_bias=inits[1])
    ...     def generate_inputs(self):
    ...         return np.arange(6, dtype=np.float32).reshape(2, 3),
    ...     def forward_expected(self, link, inputs):
    ...         return inputs[0] @ link.W.array.T + link.b.array,
    >>> cpu = testing.BackendConfig({})
    >>> case = TestLinear('test_forward')
    >>> case.test_forward(cpu); case.test_backward(cpu)
    """

    def forward_expected(self, link, inputs):
        raise NotImplementedError('forward_expected() is not implemented.')

    def test_forward(self, backend_config):
        import fastgrad
        from fastgrad import backend
        if self.skip_forward_test:
            raise unittest.SkipTest('skip_forward_test is set')
        self.backend_config = backend_config
        self.before_test('test_forward')
        link = self._create_link(self._generate_params(), backend_config)
        inputs_np = self._generate_inputs()
        inputs = self._noncontiguous(backend_config.get_array(inputs_np))
        outputs = self._forward(link, tuple(fastgrad.Variable(x) for x in inputs),
                                backend_config)
        link.to_device(backend.CpuDevice())
        expected = self.forward_expected(link, inputs_np)
        _check_cpu_arrays(expected, 'forward_expected')
        self.check_forward_outputs(tuple(v.array for v in outputs), expected)

    def test_backward(self, backend_config):
        from fastgrad import backend, gradient_check
        if self.skip_backward_test:
            raise unittest.SkipTest('skip_backward_test is set')
        self.backend_config = backend_config
        self.before_test('test_backward')

        def check():
            inits = self._generate_params()
            link, inputs, outputs = self._create_initialized_link(inits, backend_config)
            params = [p.array for p in _link_params(link, self.param_names)]
            cpu = backend.CpuDevice()
            grad_outputs = self._generate_grad_outputs(tuple(cpu.send(y) for y in outputs))
            grad_outputs = self._noncontiguous(backend_config.get_array(grad_outputs))
            params = self._noncontiguous(params)
            forward_link, _, _ = self._create_initialized_link(inits, backend_config)
            n = len(inputs)

            def forward(*xs):
                with forward_link.init_scope():
                    for name, p in zip(self.param_names, xs[n:]):
                        setattr(forward_link, name, p)
                return self._forward(forward_link, xs[:n], backend_config)
            with LinkTestError.raise_if_fail('backward is not implemented correctly'):
                gradient_check.check_backward(
                    forward, tuple(inputs) + tuple(params), grad_outputs,
                    dtype=self.numerical_grad_dtype,
                    detect_nondifferentiable=self.dodge_nondifferentiable,
                    **self.check_backward_options)
        _until_differentiable(self.dodge_nondifferentiable, check)


class LinkInitializersTestCase(_LinkBase, unittest.TestCase):
    """Test case of a link's initializers: override ``generate_params``,
    ``create_link``, ``generate_inputs`` and ``get_initializers()`` (per
    parameter, the initializer-likes to try); each must fill its parameter
    exactly as the initializer does.

    >>> from fastgrad import initializers, testing
    >>> class TestLinearInit(testing.LinkInitializersTestCase):
    ...     param_names = ('W', 'b')
    ...     def generate_params(self):
    ...         return 1., 0.
    ...     def create_link(self, inits):
    ...         return L.Linear(3, 2, initialW=inits[0], initial_bias=inits[1])
    ...     def generate_inputs(self):
    ...         return np.ones((1, 3), dtype=np.float32),
    ...     def get_initializers(self):
    ...         return ([initializers.Constant(3), 1.5],
    ...                 [testing.InitializerArgument(None, 0)])
    >>> case = TestLinearInit('test_initializers')
    >>> case.test_initializers(testing.BackendConfig({}))
    """

    check_initializers_options = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.check_initializers_options = {}

    def get_initializers(self):
        raise NotImplementedError('get_initializers is not implemented.')

    def test_initializers(self, backend_config):
        from fastgrad import backend, initializers
        self.backend_config = backend_config
        self.before_test('test_initializers')
        per_param = self.get_initializers()
        if not isinstance(per_param, (tuple, list)) or not all(
                isinstance(p, (tuple, list)) for p in per_param):
            raise TypeError('`get_initializers` must return a tuple or a list of '
                            'tuples or lists.')
        for i, candidates in enumerate(per_param):
            for init in candidates:
                _check_initializer_like(init)
                inits = list(self._generate_params())
                inits[i] = init
                link, _, _ = self._create_initialized_link(inits, backend_config)
                param = backend.CpuDevice().send(
                    _link_params(link, self.param_names)[i].array)
                expected_init = init.expected_initializer if isinstance(
                    init, InitializerArgument) else init
                expected_init = initializers._get_initializer(expected_init)
                expected = numpy.empty_like(param)
                expected_init(expected)
                _check_arrays_equal((param,), (expected,), LinkTestError,
                                    **self.check_initializers_options)
