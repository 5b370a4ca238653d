import io
import re

from fastgrad.training import extensions


class FakeTTY(io.StringIO):
    def isatty(self):
        return True


# Chainer 7.8.1's ProgressBar(update_interval=5) on 3 epochs of 6 iterations
# (printed by the real Chainer; only the speed and the ETA vary per run).
CHAINER_EPOCHS = (
    '\033[J     total [#############.....................................] 27.78%\n'
    'this epoch [#########################################.........] 83.33%\n'
    '         5 iter, 0 epoch / 3 epochs\n'
    '       inf iters/sec. Estimated time to finish: 0:00:00.\n'
    '\033[4A\033[J     total [###########################.......................] 55.56%\n'
    'this epoch [#################################.................] 66.67%\n'
    '        10 iter, 1 epoch / 3 epochs\n'
    '    666.38 iters/sec. Estimated time to finish: 0:00:00.012005.\n'
    '\033[4A\033[J     total [#########################################.........] 83.33%\n'
    'this epoch [#########################.........................] 50.00%\n'
    '        15 iter, 2 epoch / 3 epochs\n'
    '    565.03 iters/sec. Estimated time to finish: 0:00:00.005309.\n'
    '\033[4A\033[J')
# ... and on 16 iterations
CHAINER_ITERATIONS = (
    '\033[J     total [###############...................................] 31.25%\n'
    'this epoch [#########################################.........] 83.33%\n'
    '         5 iter, 0 epoch / 16 iterations\n'
    '       inf iters/sec. Estimated time to finish: 0:00:00.\n'
    '\033[4A\033[J     total [###############################...................] 62.50%\n'
    'this epoch [#################################.................] 66.67%\n'
    '        10 iter, 1 epoch / 16 iterations\n'
    '       730 iters/sec. Estimated time to finish: 0:00:00.008219.\n'
    '\033[4A\033[J     total [##############################################....] 93.75%\n'
    'this epoch [#########################.........................] 50.00%\n'
    '        15 iter, 2 epoch / 16 iterations\n'
    '    754.63 iters/sec. Estimated time to finish: 0:00:00.001325.\n'
    '\033[4A\033[J')

# Chainer's speed line: '{:10.5g} iters/sec. Estimated time to finish: {timedelta}.'
SPEED = re.compile(r'^(?=.{10} iters)\s*(inf|[0-9.]+(e[+-]\d+)?) iters/sec\. '
                   r'Estimated time to finish: (\d+ days?, )?\d+:\d\d:\d\d(\.\d{6})?\.$',
                   re.M)


def _same_but_speed(got, want):
    for text in (got, want):
        assert len(SPEED.findall(text)) == 3
    assert SPEED.sub('SPEED', got) == SPEED.sub('SPEED', want)


def _run(setup_factory, tmp_path, stop, out, **kw):
    trainer, _, _, _ = setup_factory(tmp_path, stop=stop)
    trainer.extend(extensions.ProgressBar(update_interval=5, out=out, **kw))
    trainer.run()
    return out.getvalue()


def test_chainers_output_on_a_terminal(tmp_path, setup_factory):
    # 6 iterations per epoch
    got = _run(setup_factory, tmp_path, (3, 'epoch'), FakeTTY(), redraw_interval=3600)
    # fastgrad also draws at the first call on a terminal
    first, rest = got.split('\033[4A', 1)
    assert first.startswith('\033[J     total [') and '         1 iter' in first
    _same_but_speed(rest, CHAINER_EPOCHS)
    got = _run(setup_factory, tmp_path, (16, 'iteration'), FakeTTY(), redraw_interval=3600)
    _same_but_speed(got.split('\033[4A', 1)[1], CHAINER_ITERATIONS)


def test_chainers_lines_without_escape_codes_when_not_a_tty(tmp_path, setup_factory):
    def plain(text):
        return text.replace('\033[J', '').replace('\033[4A', '')

    got = _run(setup_factory, tmp_path, (3, 'epoch'), io.StringIO())
    assert '\033' not in got and '\r' not in got
    _same_but_speed(got, plain(CHAINER_EPOCHS))
    got = _run(setup_factory, tmp_path, (16, 'iteration'), io.StringIO())
    _same_but_speed(got, plain(CHAINER_ITERATIONS))
    # after the first print the speed is measured (Chainer prints inf)
    assert 'inf' not in got


def test_tty_time_throttled(tmp_path, setup_factory):
    trainer, _, _, _ = setup_factory(tmp_path, stop=(2, 'epoch'))
    out = FakeTTY()
    trainer.extend(extensions.ProgressBar(update_interval=1000, out=out,
                                          redraw_interval=0.0))
    trainer.run()
    # a zero redraw interval redraws on every iteration
    assert out.getvalue().count('\033[4A') == 12


def test_explicit_training_length_and_missing_length(tmp_path, setup_factory):
    trainer, _, _, _ = setup_factory(tmp_path, stop=(4, 'iteration'))
    out = io.StringIO()
    trainer.extend(extensions.ProgressBar(training_length=(2, 'epoch'),
                                          update_interval=2, out=out))
    trainer.run()
    assert out.getvalue().splitlines()[2] == '         2 iter, 0 epoch / 2 epochs'

    import pytest
    trainer, _, _, _ = setup_factory(tmp_path, stop=lambda tr: tr.updater.iteration >= 2)
    trainer.extend(extensions.ProgressBar(update_interval=1, out=io.StringIO()))
    with pytest.raises(TypeError, match='training_length'):
        trainer.run(show_loop_exception_msg=False)
