#!/usr/bin/env bash
# One call on a lent GPU machine (see bench/README.md, "On a GPU"): build the
# core in place, run every gpu-marked test, train the examples on the GPU and on
# the CPU, and run the GPU benchmarks.  Everything it writes lands in $OUT.
#   STEPS="build tests examples bench linear" bash tools/gpu_check.sh
# Each step is time-boxed so that one slow step cannot eat the whole call.
set -u
OUT=${OUT:-/tmp/gpu_out}
STEPS=${STEPS:-build tests examples bench}
PY=${PY:-python3}
export PYTHONUNBUFFERED=1
# the lent machine runs commands as root; Open MPI refuses root without these
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mkdir -p "$OUT"
has() { case " $STEPS " in *" $1 "*) return 0;; esac; return 1; }
stamp() { echo "== $1 ($SECONDS s)"; }

nvidia-smi -L
$PY -c 'import sys, numpy, cupy; print(sys.version.split()[0], "numpy", numpy.__version__,
"cupy", cupy.__version__, "cuda", cupy.cuda.runtime.runtimeGetVersion())'

if has build; then
  stamp build
  $PY setup.py build_ext --inplace -j 16 > "$OUT/build.log" 2>&1 \
    || { tail -30 "$OUT/build.log"; exit 1; }
fi

if has tests; then
  stamp tests
  # SIGINT first: pytest then still writes its summary and the JUnit file
  timeout -s INT -k 30 "${TEST_TIMEOUT:-300}" $PY -m pytest ${TESTS:-tests} -m gpu -q -p no:cacheprovider \
    -n "${WORKERS:-16}" --timeout 120 -rfE -o junit_family=xunit1 \
    --junitxml="$OUT/gpu_tests.xml" > "$OUT/gpu_tests.log" 2>&1
  echo "pytest rc=$?"; tail -2 "$OUT/gpu_tests.log"
  [ -f "$OUT/gpu_tests.xml" ] && $PY tools/gpu_summary.py "$OUT/gpu_tests.xml" --top "${TOP:-45}"
fi

if has examples; then
  stamp examples
  for dev in 0 -1; do
    for ex in train_mnist.py train_cnn.py; do
      log="/tmp/example_${ex%.py}_dev${dev}.log"
      timeout 150 $PY -m fastgrad run "examples/$ex" --device "$dev" --epoch "${EPOCHS:-3}" \
        --seed 0 --noplot --out "/tmp/result_${ex}_$dev" > "$log" 2>&1
      echo "$ex device $dev rc=$? last epoch: $(grep -E '^[0-9]+ ' "$log" | tail -1)"
      { echo "=== $ex --device $dev"; cat "$log"; } >> "$OUT/examples.log"
    done
  done
fi

if has bench; then
  stamp bench
  if [ -f bench/gpu_models.py ]; then
    timeout 240 $PY bench/gpu_models.py --out "$OUT/gpu_models.json" > "$OUT/gpu_models.log" 2>&1
    echo "gpu_models rc=$?"; tail -40 "$OUT/gpu_models.log"
  fi
fi

if has linear; then
  stamp linear
  timeout 240 $PY bench/gpu_linear.py --skip-tests --no-sweep --budget-s 150 \
    --json "$OUT/gpu_linear.json" > "$OUT/gpu_linear.log" 2>&1
  echo "gpu_linear rc=$?"; tail -15 "$OUT/gpu_linear.log"
fi
stamp done
