"""The BLAS layer given what it cannot use (issue #9): wrong ranks, shapes and
dtypes, read-only or aliased outputs, and layouts whose leading dimension does
not fit BLAS's 32-bit integers.  Each case runs in its own interpreter (these
used to crash it) and prints what it got."""
import pytest

RAISES = '''
from fastgrad._core import blas
def attempt(f, *args):
    try:
        f(*args)
        print('no error')
    except (TypeError, ValueError) as e:
        print(type(e).__name__, e)
'''

CASES = {
    'linear_forward_1d': (
        'attempt(blas.linear_forward, np.ones(3), np.ones((4, 3)))',
        'ValueError linear_forward: x must have 2 axes, got shape (3,)'),
    'linear_forward_mismatch': (
        'attempt(blas.linear_forward, np.ones((2, 3)), np.ones((4, 5)))',
        'ValueError linear_forward: x.shape[1] must equal W.shape[1]; got shapes (2, 3) '
        'and (4, 5)'),
    'linear_forward_bias': (
        'attempt(blas.linear_forward, np.ones((2, 3)), np.ones((4, 3)), np.ones(7))',
        'ValueError linear_forward: b must be (4,) float64; got (7,) float64'),
    'linear_grad_x_mismatch': (
        'attempt(blas.linear_grad_x, np.ones((2, 10**6), np.float32), '
        'np.ones((4, 3), np.float32))',
        'ValueError linear_grad_x: gy.shape[1] must equal W.shape[0]; got shapes '
        '(2, 1000000) and (4, 3)'),
    'linear_grad_W_dtype': (
        'attempt(blas.linear_grad_W, np.ones((2, 4)), np.ones((2, 3), np.float32))',
        'TypeError linear_grad_W: gy and x must have one dtype, got float64 and float32'),
    'linear_int': (
        'attempt(blas.linear_forward, np.ones((2, 3), int), np.ones((4, 3), int))',
        'TypeError linear_forward: x must be float32 or float64, got int64'),
    'linear_list': (
        'attempt(blas.linear_grad_x, [[1.0]], np.ones((1, 1)))',
        'TypeError linear_grad_x: gy must be a numpy.ndarray, got list'),
    'matmul_1d': (
        'attempt(blas.matmul, np.ones(3), np.ones((3, 2)))',
        'TypeError matmul: a must be a float32 or float64 numpy.ndarray with at least 2 '
        'axes, got ndarray float64 of shape (3,)'),
    'matmul_mismatch': (
        'attempt(blas.matmul, np.ones((2, 3)), np.ones((4, 2)))',
        'ValueError matmul: the operands do not align: (2, 3) @ (4, 2) (3 != 4)'),
    'matmul_read_only_out': (
        'o = np.zeros((2, 2)); o.flags.writeable = False\n'
        'attempt(blas.matmul, np.ones((2, 3)), np.ones((3, 2)), o)\n'
        'print(o.sum())',
        'ValueError matmul: out is read-only\n0.0'),
    'matmul_bytes_out': (
        'o = np.frombuffer(bytes(32), np.float64).reshape(2, 2)\n'
        'attempt(fastgrad.utils.matmul, np.ones((2, 3)), np.ones((3, 2)), o)',
        'ValueError matmul: out is read-only'),
    'matmul_read_only_memmap_out': (
        'import tempfile, os\n'
        'path = os.path.join(tempfile.mkdtemp(), "m.bin")\n'
        'np.zeros((2, 2)).tofile(path)\n'
        'o = np.memmap(path, np.float64, mode="r", shape=(2, 2))\n'
        'attempt(fastgrad.utils.matmul, np.ones((2, 3)), np.ones((3, 2)), o)\n'
        'attempt(blas.matmul, np.ones((2, 3)), np.ones((3, 2)), o)',
        'ValueError output array is read-only\nValueError matmul: out is read-only'),
    'matmul_out_aliases_input': (
        'rng = np.random.RandomState(0)\n'
        'for shape in [(4, 4), (3, 4, 4)]:\n'
        '    a = rng.rand(*shape); b = rng.rand(*shape)\n'
        '    expected_a = np.matmul(a, b); expected_b = np.matmul(expected_a, b)\n'
        '    fastgrad.utils.matmul(a, b, out=a)\n'
        '    fastgrad.utils.matmul(a, b, out=b)\n'
        '    print(np.allclose(a, expected_a), np.allclose(b, expected_b))',
        'True True\nTrue True'),
}


@pytest.mark.parametrize('name', sorted(CASES))
def test_blas_misuse(name, run_python):
    code, expected = CASES[name]
    assert run_python(RAISES + code) == expected


# A view whose rows lie more than 2**31 elements apart: 16 GiB of address
# space, of which only the touched pages are ever backed.
HUGE_STRIDE = '''
big = np.zeros((2, 2**31 + 8), np.float32)
x = big[:, :3]                    # rows 2**31 + 8 elements apart
x[:] = [[1, 2, 3], [4, 5, 6]]
W = np.arange(12, dtype=np.float32).reshape(4, 3)
c = np.ascontiguousarray
y = F.linear(fastgrad.Variable(x), W)
print(np.array_equal(y.array, c(x) @ W.T))
print(np.array_equal(fastgrad.utils.matmul(x, W.T), c(x) @ W.T))
print(np.array_equal(fastgrad.utils.matmul(x.T, c(x)), c(x).T @ c(x)))
gy = big[:, 3:7]                   # a gradient with the same layout
gy[:] = 1
print(np.array_equal(blas.linear_grad_x(gy, W), c(gy) @ W))
print(np.array_equal(blas.linear_grad_W(gy, x), c(gy).T @ c(x)))
'''


def test_leading_dimension_beyond_int32(run_python):
    try:
        import numpy
        numpy.zeros((2, 2**31 + 8), numpy.float32)
    except MemoryError:
        pytest.skip('16 GiB of address space is not available')
    out = run_python('from fastgrad._core import blas\n' + HUGE_STRIDE, timeout=300)
    assert out.split() == ['True'] * 5
