from fastgrad.training import extension


class FailOnNonNumber(extension.Extension):
    """Raises RuntimeError as soon as a parameter of an optimized model holds
    NaN or Inf (training that diverged is stopped early).

    >>> import tempfile
    >>> from fastgrad import training
    >>> from fastgrad.training import extensions
    >>> x = np.array([[0, 1], [1, 0], [2, 1], [1, 2]], np.float32)
    >>> t = np.array([0, 1, 1, 0], np.int32)
    >>> model = L.Classifier(L.Linear(2, 2, initialW=0))
    >>> optimizer = fastgrad.optimizers.SGD(lr=0.1)
    >>> _ = optimizer.setup(model)
    >>> dataset = fastgrad.datasets.TupleDataset(x, t)
    >>> it = fastgrad.iterators.SerialIterator(dataset, 2, shuffle=False)
    >>> out = tempfile.TemporaryDirectory()
    >>> updater = training.StandardUpdater(it, optimizer)
    >>> trainer = training.Trainer(updater, (1, 'epoch'), out=out.name)
    >>> trainer.extend(extensions.FailOnNonNumber())
    >>> model.predictor.W.array[0, 0] = np.nan
    >>> trainer.run(show_loop_exception_msg=False)
    Traceback (most recent call last):
      ...
    RuntimeError: Kill the process since parameters in optimizer 'main' diverge: /predictor/W contains NaN or Inf. R.I.P.
    >>> out.cleanup()
    """

    def __call__(self, trainer):
        for name, optimizer in trainer.updater.get_all_optimizers().items():
            target = optimizer.target
            xp = target.xp
            for path, param in target.namedparams():
                if param.array is not None and not xp.isfinite(param.array).all():
                    raise RuntimeError(
                        'Kill the process since parameters in optimizer {!r} '
                        'diverge: {} contains NaN or Inf. R.I.P.'.format(name, path))
