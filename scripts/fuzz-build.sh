#!/usr/bin/env bash
# Builds every fuzz target under fuzz/ and runs each one briefly, so CI notices a target that no
# longer builds or that crashes at once. Installs cargo-fuzz when it is missing.
#
#   scripts/fuzz-build.sh [SECONDS]    # seconds per target, default 10
#
# cargo-fuzz needs nightly-only compiler flags (-Z sanitizer); RUSTC_BOOTSTRAP=1 lets the stable
# toolchain accept them. A crash leaves its input in fuzz/artifacts/TARGET/ and fails the script.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds=${1:-10}

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz"
  cargo install cargo-fuzz --locked --version 0.13.2
fi

export RUSTC_BOOTSTRAP=1
cargo fuzz build

root=$PWD/fuzz
for target in $(cargo fuzz list); do
  corpus=$root/corpus/$target
  mkdir -p "$corpus"
  extra=()
  if [[ -d $root/seeds/$target ]]; then
    extra+=("$root/seeds/$target")
  fi
  flags=(-max_total_time="$seconds")
  if [[ -f $root/dicts/$target.dict ]]; then
    flags+=(-dict="$root/dicts/$target.dict")
  fi
  echo "==> fuzzing $target for ${seconds} s"
  cargo fuzz run "$target" "$corpus" "${extra[@]}" -- "${flags[@]}"
done
