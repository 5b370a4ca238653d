"""Python-level mistakes that used to kill the interpreter (issue #9): each
runs in a fresh subprocess, which must exit normally or with a Python
exception, never a signal."""
import pytest

CASES = {
    'retain_inputs_out_of_range': ('''
        class F1(fastgrad.FunctionNode):
            def forward(self, xs):
                self.retain_inputs((5,))
                return xs[0] * 2,
        try:
            F1().apply((fastgrad.Variable(np.ones(2)),))
        except IndexError as e:
            print('IndexError', e)
        ''', 'IndexError F1.retain_inputs: index 5 is out of range for 1 inputs'),
    'retain_outputs_negative_works': ('''
        class F1(fastgrad.FunctionNode):
            def forward(self, xs):
                self.retain_outputs((-1,))
                return xs[0] * 2,
            def backward(self, i, g):
                y, = self.get_retained_outputs()
                return g[0] * y,
        x = fastgrad.Variable(np.ones(2))
        y, = F1().apply((x,))
        y.grad = np.ones(2)
        y.backward()
        print(x.grad.tolist())
        ''', '[2.0, 2.0]'),
    'subclass_skips_init': ('''
        class V(fastgrad.Variable):
            def __init__(self):
                pass
        v = V()
        print(v.grad, v.array, v.creator)
        ''', 'None None None'),
    'bare_new_then_cleargrad': ('''
        v = fastgrad.Variable.__new__(fastgrad.Variable)
        v.cleargrad()
        print('ok', v.grad)
        ''', 'ok None'),
    'backward_wrong_grad_shape': ('''
        x = fastgrad.Variable(np.ones((2, 3), np.float32))
        W = fastgrad.Variable(np.ones((4, 3), np.float32))
        y = F.linear(x, W)
        for g in (np.ones((2, 10 ** 6), np.float32), np.ones((2, 5), np.float32)):
            try:
                fastgrad.backward([y], [g])
            except ValueError as e:
                print('ValueError' if 'shape mismatch' in str(e) else e)
        print(W.grad)
        ''', 'ValueError\nValueError\nNone'),
    'grad_wrong_grad_dtype': ('''
        x = fastgrad.Variable(np.ones(3, np.float32))
        y = F.exp(x)
        try:
            fastgrad.grad([y], [x], grad_outputs=[np.ones(3, np.float64)])
        except TypeError as e:
            print('TypeError' if 'dtype mismatch' in str(e) else e)
        ''', 'TypeError'),
    'grad_of_none_input': ('''
        x = fastgrad.Variable(np.ones(2))
        for args in (([F.exp(x)], [None]), ([None], [x])):
            try:
                fastgrad.grad(*args)
            except TypeError as e:
                print('TypeError' if 'must be a Variable' in str(e) else e)
        ''', 'TypeError\nTypeError'),
}


@pytest.mark.parametrize('name', sorted(CASES))
def test_no_crash(name, run_python):
    code, expected = CASES[name]
    assert run_python(code) == expected
