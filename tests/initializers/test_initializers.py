"""fastgrad.initializers: Chainer 7.8.1 semantics (draw order, scales, fans,
dtype checks, generate_array, _get_initializer)."""
import math

import numpy
import pytest

from fastgrad import configuration, initializers

NORMAL_FAMILY = ['Normal', 'LeCunNormal', 'GlorotNormal', 'HeNormal']
UNIFORM_FAMILY = ['Uniform', 'LeCunUniform', 'GlorotUniform', 'HeUniform']
ALL_CLASSES = (NORMAL_FAMILY + UNIFORM_FAMILY
               + ['Orthogonal', 'Constant', 'Zero', 'One', 'NaN', 'Identity'])
FLOAT_DTYPES = [numpy.float16, numpy.float32, numpy.float64]


def _make(name, dtype=None):
    cls = getattr(initializers, name)
    if name == 'Constant':
        return cls(0.5, dtype=dtype)
    return cls(dtype=dtype)


# -- golden values / exact draw order ---------------------------------------

def test_lecun_normal_golden():
    numpy.random.seed(0)
    a = numpy.empty((2, 3), dtype=numpy.float32)
    initializers.LeCunNormal()(a)
    expected = numpy.array([[1.0184761, 0.23103087, 0.5650746],
                            [1.2937803, 1.0782351, -0.56423163]],
                           dtype=numpy.float32)
    assert a.dtype == numpy.float32
    numpy.testing.assert_allclose(a, expected, rtol=1e-6)


@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_normal_draws_float64_then_casts(dtype):
    numpy.random.seed(3)
    expected = numpy.random.normal(loc=0.0, scale=0.7, size=(4, 5)).astype(dtype)
    numpy.random.seed(3)
    a = numpy.empty((4, 5), dtype=dtype)
    initializers.Normal(0.7)(a)
    numpy.testing.assert_array_equal(a, expected)


@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_uniform_draws_float64_then_casts(dtype):
    numpy.random.seed(5)
    expected = numpy.random.uniform(-0.3, 0.3, (3, 7)).astype(dtype)
    numpy.random.seed(5)
    a = numpy.empty((3, 7), dtype=dtype)
    initializers.Uniform(0.3)(a)
    numpy.testing.assert_array_equal(a, expected)


@pytest.mark.parametrize('name,expected_std', [
    ('LeCunNormal', math.sqrt(1. / 6)),
    ('GlorotNormal', math.sqrt(2. / (6 + 4))),
    ('HeNormal', math.sqrt(2. / 6)),
])
def test_scaled_normal_is_normal_with_fan_scale(name, expected_std):
    shape = (4, 6)
    numpy.random.seed(11)
    expected = numpy.empty(shape, dtype=numpy.float32)
    initializers.Normal(expected_std)(expected)
    numpy.random.seed(11)
    a = numpy.empty(shape, dtype=numpy.float32)
    getattr(initializers, name)()(a)
    numpy.testing.assert_array_equal(a, expected)


@pytest.mark.parametrize('name,expected_s', [
    ('LeCunUniform', math.sqrt(3. / 6)),
    ('GlorotUniform', math.sqrt(6. / (6 + 4))),
    ('HeUniform', math.sqrt(6. / 6)),
])
def test_scaled_uniform_is_uniform_with_fan_scale(name, expected_s):
    shape = (4, 6)
    numpy.random.seed(12)
    expected = numpy.random.uniform(-expected_s, expected_s, shape)
    numpy.random.seed(12)
    a = numpy.empty(shape, dtype=numpy.float64)
    getattr(initializers, name)()(a)
    numpy.testing.assert_allclose(a, expected, rtol=1e-15)


# -- statistics on big arrays -----------------------------------------------

BIG = (1000, 500)   # fan_in = 500, fan_out = 1000


@pytest.mark.parametrize('init,expected_std', [
    (initializers.Normal(), 0.05),
    (initializers.Normal(scale=2.0), 2.0),
    (initializers.LeCunNormal(), math.sqrt(1. / 500)),
    (initializers.LeCunNormal(scale=3.0), 3.0 * math.sqrt(1. / 500)),
    (initializers.GlorotNormal(), math.sqrt(2. / 1500)),
    (initializers.GlorotNormal(scale=0.5), 0.5 * math.sqrt(2. / 1500)),
    (initializers.HeNormal(), math.sqrt(2. / 500)),
    (initializers.HeNormal(fan_option='fan_out'), math.sqrt(2. / 1000)),
    (initializers.HeNormal(scale=2.0, fan_option='fan_in'), 2.0 * math.sqrt(2. / 500)),
])
def test_normal_family_statistics(init, expected_std):
    numpy.random.seed(0)
    a = numpy.empty(BIG, dtype=numpy.float32)
    init(a)
    assert abs(a.std() / expected_std - 1) < 0.02
    assert abs(a.mean()) < 0.02 * expected_std


@pytest.mark.parametrize('init,expected_s', [
    (initializers.Uniform(), 0.05),
    (initializers.Uniform(scale=4.0), 4.0),
    (initializers.LeCunUniform(), math.sqrt(3. / 500)),
    (initializers.LeCunUniform(scale=2.0), 2.0 * math.sqrt(3. / 500)),
    (initializers.GlorotUniform(), math.sqrt(6. / 1500)),
    (initializers.GlorotUniform(scale=0.5), 0.5 * math.sqrt(6. / 1500)),
    (initializers.HeUniform(), math.sqrt(6. / 500)),
    (initializers.HeUniform(scale=3.0), 3.0 * math.sqrt(6. / 500)),
])
def test_uniform_family_statistics(init, expected_s):
    numpy.random.seed(0)
    a = numpy.empty(BIG, dtype=numpy.float64)
    init(a)
    assert a.min() >= -expected_s
    assert a.max() <= expected_s
    # the bounds are (nearly) reached and the spread is that of U[-s, s]
    assert a.min() < -0.999 * expected_s
    assert a.max() > 0.999 * expected_s
    assert abs(a.std() / (expected_s / math.sqrt(3)) - 1) < 0.02
    assert abs(a.mean()) < 0.02 * expected_s


def test_conv_shaped_fans_are_used():
    # (out, in, kh, kw): fan_in = 16 * 9, fan_out = 64 * 9
    numpy.random.seed(0)
    a = numpy.empty((64, 16, 3, 3), dtype=numpy.float32)
    initializers.HeNormal()(a)
    assert abs(a.std() / math.sqrt(2. / 144) - 1) < 0.05
    a = numpy.empty((64, 16, 3, 3), dtype=numpy.float32)
    initializers.GlorotUniform()(a)
    s = math.sqrt(6. / (144 + 576))
    assert a.max() <= s and a.min() >= -s
    assert abs(a.std() / (s / math.sqrt(3)) - 1) < 0.05


def test_he_normal_invalid_fan_option():
    with pytest.raises(ValueError, match='fan_option'):
        initializers.HeNormal(fan_option='fan_avg')(numpy.empty((3, 4)))


# -- rng keyword -------------------------------------------------------------

@pytest.mark.parametrize('name', NORMAL_FAMILY + UNIFORM_FAMILY + ['Orthogonal'])
def test_rng_is_used_instead_of_global(name):
    cls = getattr(initializers, name)
    a = numpy.empty((6, 4), dtype=numpy.float32)
    b = numpy.empty((6, 4), dtype=numpy.float32)
    numpy.random.seed(0)
    cls(rng=numpy.random.RandomState(7))(a)
    state_after = numpy.random.get_state()[1].copy()
    numpy.random.seed(0)
    numpy.testing.assert_array_equal(state_after, numpy.random.get_state()[1])
    cls(rng=numpy.random.RandomState(7))(b)
    numpy.testing.assert_array_equal(a, b)
    assert cls(rng=numpy.random.RandomState(7)).rng is not None
    assert cls().rng is None


def test_rng_normal_values():
    rng = numpy.random.RandomState(1)
    expected = numpy.random.RandomState(1).normal(
        loc=0.0, scale=0.3, size=(2, 5)).astype(numpy.float16)
    a = numpy.empty((2, 5), dtype=numpy.float16)
    initializers.Normal(0.3, rng=rng)(a)
    numpy.testing.assert_array_equal(a, expected)


def test_rng_uniform_values():
    expected = numpy.random.RandomState(2).uniform(-0.2, 0.2, (3, 3))
    a = numpy.empty((3, 3))
    initializers.Uniform(0.2, rng=numpy.random.RandomState(2))(a)
    numpy.testing.assert_array_equal(a, expected)


@pytest.mark.parametrize('name', NORMAL_FAMILY + UNIFORM_FAMILY + ['Orthogonal'])
def test_unexpected_keyword_is_type_error(name):
    with pytest.raises(TypeError):
        getattr(initializers, name)(seed=3)


# -- fans ---------------------------------------------------------------------

@pytest.mark.parametrize('shape,fans', [
    ((2, 3), (3, 2)),
    ((10, 20), (20, 10)),
    ((4, 5, 2, 3), (30, 24)),
    ((7, 3, 5), (15, 35)),
    ((1, 1, 1, 1, 1), (1, 1)),
])
def test_get_fans(shape, fans):
    assert initializers.get_fans(shape) == fans
    assert initializers.initializer.get_fans(shape) == fans


@pytest.mark.parametrize('shape', [(), (5,)])
def test_get_fans_too_few_dims(shape):
    with pytest.raises(ValueError, match='get_fans') as info:
        initializers.get_fans(shape)
    assert str(shape) in str(info.value)


def test_get_fans_requires_tuple():
    with pytest.raises(ValueError, match='get_fans'):
        initializers.get_fans([3, 4])


@pytest.mark.parametrize('name', NORMAL_FAMILY[1:] + UNIFORM_FAMILY[1:])
def test_scaled_initializer_rejects_1d(name):
    with pytest.raises(ValueError, match='get_fans'):
        getattr(initializers, name)()(numpy.empty((5,), dtype=numpy.float32))


# -- dtypes -------------------------------------------------------------------

@pytest.mark.parametrize('name', ALL_CLASSES)
def test_dtype_mismatch(name):
    init = _make(name, dtype=numpy.float64)
    a = numpy.empty((3, 3), dtype=numpy.float32)
    with pytest.raises(ValueError) as info:
        init(a)
    msg = str(info.value)
    assert name in msg and 'float64' in msg and 'float32' in msg
    # Chainer uses a bare assert: keep AssertionError-catching code working.
    with pytest.raises(AssertionError):
        init(a)
    assert isinstance(info.value, initializers.DTypeMismatchError)


@pytest.mark.parametrize('name', ALL_CLASSES)
@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_dtype_outputs(name, dtype):
    numpy.random.seed(0)
    init = _make(name, dtype=dtype)
    a = numpy.empty((4, 4), dtype=dtype)
    init(a)
    assert a.dtype == dtype
    if name != 'NaN':
        assert numpy.isfinite(a).all()
    # dtype given as a string / numpy.dtype matches the same arrays
    _make(name, dtype=numpy.dtype(dtype).name)(a)
    _make(name, dtype=numpy.dtype(dtype))(a)


@pytest.mark.parametrize('name', ALL_CLASSES)
@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_dtype_none_accepts_any_float(name, dtype):
    a = numpy.empty((5, 5), dtype=dtype)
    _make(name)(a)
    assert a.dtype == dtype


@pytest.mark.parametrize('name', ALL_CLASSES)
def test_dtype_attribute_and_repr(name):
    init = _make(name)
    assert init.dtype is None
    assert isinstance(init, initializers.Initializer)
    assert repr(init).startswith(name + '(')
    assert _make(name, dtype=numpy.float16).dtype == numpy.float16
    assert 'float16' in repr(_make(name, dtype=numpy.float16))


def test_repr_examples():
    assert repr(initializers.LeCunNormal()) == 'LeCunNormal(scale=1.0)'
    assert repr(initializers.Normal(0.1)) == 'Normal(scale=0.1)'
    assert repr(initializers.Constant(2, dtype='f')) == \
        'Constant(fill_value=2, dtype=float32)'


def test_base_initializer():
    init = initializers.Initializer(numpy.float32)
    assert init.dtype == numpy.float32
    assert initializers.Initializer().dtype is None
    with pytest.raises(NotImplementedError):
        init(numpy.empty(3, dtype=numpy.float32))


# -- constants ----------------------------------------------------------------

def test_constant_scalar():
    a = numpy.empty((2, 3), dtype=numpy.float32)
    init = initializers.Constant(2.5)
    assert init.fill_value == 2.5
    init(a)
    numpy.testing.assert_array_equal(a, numpy.full((2, 3), 2.5, numpy.float32))


def test_constant_numpy_scalar_and_int_array():
    a = numpy.empty((4,), dtype=numpy.int32)
    initializers.Constant(numpy.float64(3.7))(a)
    numpy.testing.assert_array_equal(a, [3, 3, 3, 3])


def test_constant_array_broadcast():
    fill = numpy.array([1., 2., 3.])
    init = initializers.Constant(fill)
    assert init.fill_value is fill
    a = numpy.empty((2, 3), dtype=numpy.float32)
    init(a)
    numpy.testing.assert_array_equal(a, [[1, 2, 3], [1, 2, 3]])
    b = numpy.empty((2, 3), dtype=numpy.float64)
    initializers.Constant(numpy.arange(6.).reshape(2, 3))(b)
    numpy.testing.assert_array_equal(b, numpy.arange(6.).reshape(2, 3))


def test_constant_array_shape_mismatch():
    with pytest.raises(ValueError):
        initializers.Constant(numpy.ones(4))(numpy.empty((2, 3)))


def test_constant_rejects_non_scalar_non_array():
    with pytest.raises(ValueError, match='fill_value'):
        initializers.Constant([1, 2, 3])


@pytest.mark.parametrize('name,value', [('Zero', 0.), ('One', 1.)])
def test_zero_one(name, value):
    a = numpy.full((3, 2), 7, dtype=numpy.float16)
    init = getattr(initializers, name)()
    init(a)
    numpy.testing.assert_array_equal(a, numpy.full((3, 2), value))
    assert init.fill_value == value


def test_nan():
    a = numpy.zeros((2, 2), dtype=numpy.float32)
    initializers.NaN()(a)
    assert numpy.isnan(a).all()


def test_zero_one_nan_dtype_positional():
    # Chainer: Zero(dtype=None); links call NaN(dtype) positionally.
    assert initializers.Zero(numpy.float32).dtype == numpy.float32
    assert initializers.One(numpy.float64).dtype == numpy.float64
    assert initializers.NaN(numpy.float16).dtype == numpy.float16


@pytest.mark.parametrize('scale', [1.0, 2.5])
@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_identity(scale, dtype):
    a = numpy.full((4, 4), 9, dtype=dtype)
    initializers.Identity(scale)(a)
    numpy.testing.assert_array_equal(a, scale * numpy.eye(4))
    assert initializers.Identity().scale == 1.0


@pytest.mark.parametrize('shape', [(3, 4), (3,), (2, 2, 2), ()])
def test_identity_requires_square_2d(shape):
    with pytest.raises(ValueError, match='Identity') as info:
        initializers.Identity()(numpy.empty(shape))
    assert str(shape) in str(info.value)


# -- orthogonal ----------------------------------------------------------------

@pytest.mark.parametrize('scale', [1.1, 1.0, 0.5])
def test_orthogonal_rows(scale):
    a = numpy.empty((3, 5))
    initializers.Orthogonal(scale)(a)
    numpy.testing.assert_allclose(a.dot(a.T), scale ** 2 * numpy.eye(3), atol=1e-12)


@pytest.mark.parametrize('scale', [1.1, 1.0, 0.5])
def test_orthogonal_columns(scale):
    a = numpy.empty((5, 3))
    initializers.Orthogonal(scale)(a)
    numpy.testing.assert_allclose(a.T.dot(a), scale ** 2 * numpy.eye(3), atol=1e-12)


def test_orthogonal_square():
    a = numpy.empty((6, 6))
    initializers.Orthogonal()(a)
    numpy.testing.assert_allclose(a.dot(a.T), 1.21 * numpy.eye(6), atol=1e-12)
    numpy.testing.assert_allclose(a.T.dot(a), 1.21 * numpy.eye(6), atol=1e-12)


def test_orthogonal_nd_flattened():
    a = numpy.empty((4, 2, 3, 3), dtype=numpy.float32)
    initializers.Orthogonal(scale=1.0)(a)
    m = a.reshape(4, 18).astype(numpy.float64)
    numpy.testing.assert_allclose(m.dot(m.T), numpy.eye(4), atol=1e-5)
    b = numpy.empty((20, 2, 3), dtype=numpy.float32)
    initializers.Orthogonal(scale=1.0)(b)
    m = b.reshape(20, 6).astype(numpy.float64)
    numpy.testing.assert_allclose(m.T.dot(m), numpy.eye(6), atol=1e-5)


def test_orthogonal_1d():
    a = numpy.empty((5,))
    initializers.Orthogonal(scale=2.0)(a)
    # (5, 1): one unit column vector times scale
    numpy.testing.assert_allclose(numpy.linalg.norm(a), 2.0)


def test_orthogonal_matches_sign_fixed_qr_of_global_draw():
    numpy.random.seed(4)
    g = numpy.random.normal(size=(3, 5))
    q, r = numpy.linalg.qr(g.T)
    expected = (q * numpy.copysign(1.1, numpy.diag(r))).T
    numpy.random.seed(4)
    a = numpy.empty((3, 5))
    initializers.Orthogonal()(a)
    numpy.testing.assert_allclose(a, expected, atol=1e-12)


def test_orthogonal_deterministic_with_seed():
    numpy.random.seed(9)
    a = numpy.empty((4, 7), dtype=numpy.float32)
    initializers.Orthogonal()(a)
    numpy.random.seed(9)
    b = numpy.empty((4, 7), dtype=numpy.float32)
    initializers.Orthogonal()(b)
    numpy.testing.assert_array_equal(a, b)


@pytest.mark.parametrize('mode,shape,ok', [
    ('auto', (3, 5), True), ('auto', (5, 3), True), ('auto', (4, 4), True),
    ('projection', (3, 5), True), ('projection', (5, 3), False),
    ('projection', (4, 4), True),
    ('embedding', (5, 3), True), ('embedding', (3, 5), False),
    ('embedding', (4, 4), True),
    ('basis', (4, 4), True), ('basis', (3, 5), False), ('basis', (5, 3), False),
    ('basis', (4, 2, 2), True),
])
def test_orthogonal_modes(mode, shape, ok):
    init = initializers.Orthogonal(mode=mode)
    assert init.mode == mode
    a = numpy.empty(shape)
    if ok:
        init(a)
    else:
        with pytest.raises(ValueError, match=mode):
            init(a)


def test_orthogonal_invalid_mode():
    with pytest.raises(ValueError, match='mode'):
        initializers.Orthogonal(mode='square')


def test_orthogonal_empty_array():
    with pytest.raises(ValueError):
        initializers.Orthogonal()(numpy.empty((0, 3)))


def test_orthogonal_0dim():
    for seed in range(6):
        numpy.random.seed(seed)
        a = numpy.empty((), dtype=numpy.float32)
        initializers.Orthogonal(scale=1.5)(a)
        assert float(a) in (1.5, -1.5)
    numpy.random.seed(0)
    expected = 1.5 * (2 * numpy.random.randint(2) - 1)
    numpy.random.seed(0)
    a = numpy.empty(())
    initializers.Orthogonal(scale=1.5)(a)
    assert float(a) == expected


def test_orthogonal_signature():
    init = initializers.Orthogonal()
    assert init.scale == 1.1 and init.dtype is None and init.mode == 'auto'
    init = initializers.Orthogonal(2.0, numpy.float32, 'basis')
    assert (init.scale, init.dtype, init.mode) == (2.0, numpy.float32, 'basis')


# -- generate_array -------------------------------------------------------------

def test_generate_array_default_dtype_is_config_dtype():
    a = initializers.generate_array(initializers.Zero(), (2, 3), numpy)
    assert isinstance(a, numpy.ndarray)
    assert a.shape == (2, 3)
    assert a.dtype == configuration.config.dtype == numpy.float32
    numpy.testing.assert_array_equal(a, 0)


def test_generate_array_config_dtype():
    with configuration.using_config('dtype', numpy.dtype('float64')):
        a = initializers.generate_array(initializers.LeCunNormal(), (3, 4), numpy)
    assert a.dtype == numpy.float64
    with configuration.using_config('dtype', numpy.dtype('float16')):
        a = initializers.generate_array(initializers.One(), (3,), numpy)
    assert a.dtype == numpy.float16
    a = initializers.generate_array(initializers.One(), (3,), numpy)
    assert a.dtype == numpy.float32


def test_generate_array_initializer_dtype_wins_over_config():
    with configuration.using_config('dtype', numpy.dtype('float64')):
        a = initializers.generate_array(
            initializers.Normal(dtype=numpy.float16), (3, 4), numpy)
    assert a.dtype == numpy.float16


def test_generate_array_dtype_argument_wins():
    with configuration.using_config('dtype', numpy.dtype('float16')):
        a = initializers.generate_array(
            initializers.One(), (2,), numpy, dtype=numpy.float64)
    assert a.dtype == numpy.float64
    a = initializers.generate_array(
        initializers.One(numpy.float32), (2,), numpy, dtype='float32')
    assert a.dtype == numpy.float32


def test_generate_array_dtype_conflict():
    with pytest.raises(ValueError, match='dtype'):
        initializers.generate_array(
            initializers.One(numpy.float32), (2,), numpy, dtype=numpy.float64)


def test_generate_array_int_shape_and_plain_callable():
    calls = []

    def fill(array):
        calls.append(array.shape)
        array[...] = 4

    a = initializers.generate_array(fill, 5, numpy)
    assert calls == [(5,)]
    assert a.dtype == numpy.float32
    numpy.testing.assert_array_equal(a, numpy.full(5, 4, numpy.float32))


def test_generate_array_uses_initializer_draw():
    numpy.random.seed(0)
    a = initializers.generate_array(initializers.LeCunNormal(), (2, 3), numpy)
    numpy.testing.assert_allclose(
        a, [[1.0184761, 0.23103087, 0.5650746],
            [1.2937803, 1.0782351, -0.56423163]], rtol=1e-6)


@pytest.mark.parametrize('device', ['@numpy', -1, None])
def test_generate_array_cpu_device(device):
    a = initializers.generate_array(
        initializers.Constant(3.0), (2, 2), numpy, device=device)
    assert isinstance(a, numpy.ndarray)
    numpy.testing.assert_array_equal(a, 3.0)


def test_generate_array_xp_from_device():
    a = initializers.generate_array(
        initializers.One(), (2,), None, device='@numpy')
    assert isinstance(a, numpy.ndarray)


def test_generate_array_xp_device_inconsistent():
    class FakeXp(object):
        pass

    with pytest.raises(ValueError, match='inconsistent'):
        initializers.generate_array(
            initializers.One(), (2,), FakeXp(), device='@numpy')


# -- _get_initializer ------------------------------------------------------------

def test_get_initializer_none():
    init = initializers._get_initializer(None)
    assert type(init) is initializers.LeCunNormal
    assert init.scale == 1.0 and init.dtype is None


@pytest.mark.parametrize('value', [0, 1.5, -2, numpy.float32(0.25), numpy.int64(3)])
def test_get_initializer_scalar(value):
    init = initializers._get_initializer(value)
    assert type(init) is initializers.Constant
    assert init.fill_value == value
    a = numpy.empty((2, 2), dtype=numpy.float32)
    init(a)
    numpy.testing.assert_array_equal(a, numpy.float32(value))


def test_get_initializer_array():
    value = numpy.arange(6, dtype=numpy.float32).reshape(2, 3)
    init = initializers._get_initializer(value)
    assert type(init) is initializers.Constant
    assert init.fill_value is value
    a = numpy.empty((2, 3), dtype=numpy.float32)
    init(a)
    numpy.testing.assert_array_equal(a, value)


def test_get_initializer_callable_passthrough():
    init = initializers.HeNormal()
    assert initializers._get_initializer(init) is init

    def fill(array):
        array[...] = 1

    assert initializers._get_initializer(fill) is fill


@pytest.mark.parametrize('value', [object(), [1, 2], (3,), {'a': 1}])
def test_get_initializer_invalid(value):
    with pytest.raises(TypeError, match='initializer'):
        initializers._get_initializer(value)


def test_exports():
    for name in ALL_CLASSES + ['Initializer', 'generate_array', '_get_initializer',
                               'get_fans']:
        assert hasattr(initializers, name), name
    for mod in ['constant', 'normal', 'uniform', 'orthogonal', 'initializer']:
        assert hasattr(initializers, mod), mod


# -- CuPy (skipped without a GPU) -------------------------------------------------

@pytest.mark.gpu
@pytest.mark.parametrize('name', ALL_CLASSES)
@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_cupy_arrays(name, dtype):
    import cupy
    a = cupy.empty((4, 4), dtype=dtype)
    _make(name, dtype=dtype)(a)
    assert isinstance(a, cupy.ndarray) and a.dtype == dtype
    if name != 'NaN':
        assert bool(cupy.isfinite(a).all())


@pytest.mark.gpu
def test_cupy_statistics_and_values():
    import cupy
    a = cupy.empty(BIG, dtype=numpy.float32)
    initializers.HeNormal()(a)
    assert abs(float(a.std()) / math.sqrt(2. / 500) - 1) < 0.02
    a = cupy.empty(BIG, dtype=numpy.float32)
    initializers.GlorotUniform()(a)
    s = math.sqrt(6. / 1500)
    assert float(a.max()) <= s and float(a.min()) >= -s
    a = cupy.empty((3, 5), dtype=numpy.float32)
    initializers.Orthogonal(scale=1.0)(a)
    numpy.testing.assert_allclose(cupy.asnumpy(a.dot(a.T)), numpy.eye(3), atol=1e-5)
    a = cupy.empty((2, 3), dtype=numpy.float32)
    initializers.Constant(numpy.array([1., 2., 3.]))(a)
    numpy.testing.assert_array_equal(cupy.asnumpy(a), [[1, 2, 3], [1, 2, 3]])
    b = numpy.empty((2, 3), dtype=numpy.float32)
    initializers.Constant(cupy.array([4., 5., 6.]))(b)
    numpy.testing.assert_array_equal(b, [[4, 5, 6], [4, 5, 6]])
    a = cupy.empty((3, 3))
    initializers.Identity(2.0)(a)
    numpy.testing.assert_array_equal(cupy.asnumpy(a), 2 * numpy.eye(3))
    a = cupy.empty((4, 6), dtype=numpy.float32)
    initializers.Normal(rng=numpy.random.RandomState(0))(a)
    expected = numpy.random.RandomState(0).normal(0, 0.05, (4, 6)).astype(numpy.float32)
    numpy.testing.assert_array_equal(cupy.asnumpy(a), expected)


@pytest.mark.gpu
def test_cupy_generate_array():
    import cupy
    a = initializers.generate_array(initializers.LeCunNormal(), (3, 4), cupy)
    assert isinstance(a, cupy.ndarray) and a.dtype == numpy.float32
    a = initializers.generate_array(
        initializers.One(), (3, 4), cupy, device='@cupy:0')
    assert isinstance(a, cupy.ndarray) and a.device.id == 0
    a = initializers.generate_array(initializers.One(), (3,), None, device=0)
    assert isinstance(a, cupy.ndarray)
    with pytest.raises(ValueError, match='inconsistent'):
        initializers.generate_array(initializers.One(), (3,), numpy, device='@cupy:0')
    init = initializers._get_initializer(cupy.ones(3))
    assert type(init) is initializers.Constant
