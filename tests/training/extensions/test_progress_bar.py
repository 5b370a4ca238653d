import io
import re

from fastgrad.training import extensions


class FakeTTY(io.StringIO):
    def isatty(self):
        return True


def test_plain_lines_when_not_a_tty(tmp_path, setup_factory):
    # 6 iterations per epoch, 3 epochs = 18 iterations
    trainer, _, _, _ = setup_factory(tmp_path, stop=(3, 'epoch'))
    out = io.StringIO()
    trainer.extend(extensions.ProgressBar(update_interval=5, out=out))
    trainer.run()
    lines = out.getvalue().splitlines()
    assert len(lines) == 3                        # at 5, 10, 15
    assert '\033' not in out.getvalue() and '\r' not in out.getvalue()
    assert lines[0].startswith('progress: 5 iter, epoch 0/3 (27.78%)')
    assert re.search(r'epoch 2/3 \(83\.33%\), [0-9.e+]+ iters/sec, ETA \d+:\d\d:\d\d$',
                     lines[2])


def test_iteration_length(tmp_path, setup_factory):
    trainer, _, _, _ = setup_factory(tmp_path, stop=(8, 'iteration'))
    out = io.StringIO()
    trainer.extend(extensions.ProgressBar(update_interval=4, out=out))
    trainer.run()
    lines = out.getvalue().splitlines()
    assert lines[0].startswith('progress: 4/8 iter (50.00%), epoch 0')
    assert lines[1].startswith('progress: 8/8 iter (100.00%), epoch 1')


def test_redraws_in_place_on_a_tty(tmp_path, setup_factory):
    trainer, _, _, _ = setup_factory(tmp_path, stop=(2, 'epoch'))
    out = FakeTTY()
    trainer.extend(extensions.ProgressBar(update_interval=3, out=out,
                                          redraw_interval=3600))
    trainer.run()
    text = out.getvalue()
    frames = text.split('\033[J')
    # first call, then iterations 3, 6, 9, 12; finalize clears last
    assert len(frames) == 1 + 5 + 1
    assert frames[-1] == ''
    last = frames[-2]
    assert last.endswith('\033[4A')               # cursor back to the top
    rows = last[:-len('\033[4A')].splitlines()
    assert len(rows) == 4
    assert rows[0].startswith('     total [') and rows[0].endswith('100.00%')
    assert '#' * 50 in rows[0]
    assert rows[1].startswith('this epoch [')
    assert rows[2].split() == ['12', 'iter,', '2', 'epoch', '/', '2', 'epochs']
    assert re.match(r'\s*[0-9.e+]+ iters/sec\. Estimated time to finish: \d+:\d\d:\d\d\.$',
                    rows[3])
    mid = frames[2]   # iteration 3: half of the first epoch
    assert '25.00%' in mid.splitlines()[0] and '50.00%' in mid.splitlines()[1]


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
    assert 'epoch 0/2' in out.getvalue().splitlines()[0]

    import pytest
    trainer, _, _, _ = setup_factory(tmp_path, stop=lambda tr: tr.updater.iteration >= 2)
    trainer.extend(extensions.ProgressBar(update_interval=1, out=io.StringIO()))
    with pytest.raises(TypeError, match='training_length'):
        trainer.run(show_loop_exception_msg=False)
