from fastgrad.training import extension


class FailOnNonNumber(extension.Extension):
    """Raises RuntimeError as soon as a parameter of an optimized model holds
    NaN or Inf (training that diverged is stopped early)."""

    def __call__(self, trainer):
        for name, optimizer in trainer.updater.get_all_optimizers().items():
            target = optimizer.target
            xp = target.xp
            for path, param in target.namedparams():
                if param.array is not None and not xp.isfinite(param.array).all():
                    raise RuntimeError(
                        'Kill the process since parameters in optimizer {!r} '
                        'diverge: {} contains NaN or Inf. R.I.P.'.format(name, path))
