#!/usr/bin/env bash
# Runs the fuzz targets built in BUILD_DIR for SECONDS each, over their
# committed seed corpus (fuzz/corpus/<target>/) and a scratch corpus
# (BUILD_DIR/corpus/<target>/) that receives whatever new inputs the run
# finds, so the committed seeds only change by hand. A crash, a leak, a
# timeout or a broken property stops that target; its reproducer lands in
# fuzz/crashes-found/<target>/ (not committed) and the run fails once every
# target has had its turn.
#   usage: fuzz/run.sh BUILD_DIR SECONDS [TARGET...]   (default: all targets)
# FUZZ_ARGS adds libFuzzer flags, e.g. FUZZ_ARGS="-fork=2 -ignore_crashes=1"
# to keep going after a crash and collect every distinct one.
set -uo pipefail

fuzz_dir="$(cd "$(dirname "$0")" && pwd)"
build_dir="$1"
seconds="$2"
shift 2
case "$seconds" in
  '' | *[!0-9]* | 0)
    echo "fuzz/run.sh: SECONDS=$seconds: expected a whole number >= 1" >&2
    exit 2
    ;;
esac
targets=("$@")
if ((${#targets[@]} == 0)); then
  for binary in "$build_dir"/bin/*_fuzzer; do
    name="$(basename "$binary")"
    targets+=("${name%_fuzzer}")
  done
fi

# The dictionary each target's inputs are made of.
dictionary_for() {
  case "$1" in
    response_parser | live_request | url) echo http ;;
    sse_parser) echo sse ;;
    json_array_stream | llm_chunk | report_reader) echo json ;;
    scenario | preset | slo | duration) echo config ;;
    mock_llm_request) echo mock_llm ;;
    app_request) echo app ;;
  esac
}

# Inputs as long as the largest seeds: a report is the longest.
max_len_for() {
  case "$1" in
    report_reader) echo 16384 ;;
    *) echo 8192 ;;
  esac
}

# Fatal sanitizer reports with symbolized stacks; leaks are failures.
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=1:symbolize=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
if [[ -z "${ASAN_SYMBOLIZER_PATH:-}" ]] && command -v llvm-symbolizer-14 > /dev/null; then
  export ASAN_SYMBOLIZER_PATH="$(command -v llvm-symbolizer-14)"
fi

failed=()
for target in "${targets[@]}"; do
  binary="$build_dir/bin/${target}_fuzzer"
  if [[ ! -x "$binary" ]]; then
    echo "fuzz: no target \"$target\" in $build_dir/bin" >&2
    failed+=("$target")
    continue
  fi
  scratch="$build_dir/corpus/$target"
  crashes="$fuzz_dir/crashes-found/$target"
  log="$build_dir/logs/$target.log"
  # Files a target makes (the app's database) stay in the build directory.
  tmp="$build_dir/tmp/$target"
  rm -rf "$tmp"
  mkdir -p "$scratch" "$crashes" "$(dirname "$log")" "$tmp"
  options=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048
    -max_len="$(max_len_for "$target")" -print_final_stats=1 -artifact_prefix="$crashes/")
  dictionary="$(dictionary_for "$target")"
  [[ -n "$dictionary" ]] && options+=(-dict="$fuzz_dir/dict/$dictionary.dict")
  read -r -a extra <<< "${FUZZ_ARGS:-}"
  options+=("${extra[@]}")
  if TMPDIR="$tmp" "$binary" "${options[@]}" "$scratch" "$fuzz_dir/corpus/$target" \
    < /dev/null > "$log" 2>&1; then
    runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")"
    echo "fuzz: $target: ok, ${runs:-?} inputs in ${seconds}s"
  else
    failed+=("$target")
    echo "fuzz: $target: FAILED (log: $log); its report, in short:" >&2
    # What broke and the frames in loadgate's own code.
    grep -E 'ERROR|SUMMARY|what\(\)|terminate called|runtime error|property violated|split feeding| in (loadgate|mock_llm|app|services|LLVMFuzzerTestOneInput)' \
      "$log" | grep -v NEW_FUNC | head -n 25 >&2
    ls -t "$crashes" | head -n 1 | sed "s|^|fuzz: reproducer: $crashes/|" >&2
  fi
done

echo "fuzz: $((${#targets[@]} - ${#failed[@]})) passed, ${#failed[@]} failed"
if ((${#failed[@]} > 0)); then
  echo "fuzz: failed: ${failed[*]} (fuzz/README.md: from a crash to a unit test)" >&2
  exit 1
fi
