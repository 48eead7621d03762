#!/usr/bin/env bash
# Installs everything the test suite needs, then runs it: `bash tests/run.sh [pytest options]`.
# Idempotent: what is already there is not installed again.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "[tests/run.sh] $*"; }

# System packages: Debian's Chromium for the browser tests, a Java runtime for the Nu HTML Checker, git
# for the deploy tests, DejaVu fonts so screenshots and social cards render real glyphs.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
command -v git >/dev/null 2>&1 || missing+=(git)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
# FriBiDi lets Pillow's bundled raqm lay out right-to-left social-card titles.
ldconfig -p 2>/dev/null | grep -q 'libfribidi\.so\.0' || missing+=(libfribidi0)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]} with apt-get"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Python: the package itself (editable) with every extra the tests exercise, in a private virtualenv.
if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  python3 -m venv .venv
fi
stamp=.venv/.installed-$(cat pyproject.toml | sha256sum | cut -c1-16)
# The README's first line installs a copy of this checkout into the same .venv/; the tests need it editable.
editable() {
  local here; here=$(pwd -P)
  [ "$(cd / && "$here/.venv/bin/python" -c 'import generator, os; print(os.path.realpath(generator.__file__))' \
      2>/dev/null)" = "$here/generator/__init__.py" ]
}
if [ ! -e "$stamp" ] || ! editable; then
  say "installing Python dependencies into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[test,serve,s3,search]"
  rm -f .venv/.installed-*; touch "$stamp"
fi

# npm: the pinned Nu HTML Checker jar and axe-core (versions in tests/browser/package-lock.json).
if [ ! -e tests/browser/node_modules/vnu-jar/build/dist/vnu.jar ] || [ ! -e tests/browser/node_modules/axe-core/axe.min.js ]; then
  say "installing vnu-jar and axe-core with npm"
  npm ci --prefix tests/browser --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null
fi

say "checking the import contract (pyproject.toml [tool.importlinter])"
.venv/bin/lint-imports --no-cache --no-logo

say "linting (pyproject.toml [tool.ruff], [tool.mypy])"
.venv/bin/ruff check --no-cache generator tests benchmarks
.venv/bin/mypy --cache-dir=/dev/null   # what and how: [tool.mypy]; no cache left in the repository

say "running pytest"
exec .venv/bin/python -m pytest "$@"
