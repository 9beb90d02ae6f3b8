#!/usr/bin/env bash
# Fail if nbdev-export, nbdev-clean or the README build would change a file that git tracks (or add one), if pyflakes
# finds an unused import or name in mint/, or if an import points the wrong way (tools/check_imports.py).
# Compares the working tree before and after, so it works with uncommitted edits too.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
snap() { git ls-files -z | xargs -0 sha1sum 2>/dev/null || true; git ls-files --others --exclude-standard; }
before=$(snap)
"$BIN/nbdev-export"
"$BIN/nbdev-clean"
"$BIN/python" tools/make_readme.py
after=$(snap)
if [ "$before" != "$after" ]; then
  echo "check_sync: nbdev-export, nbdev-clean or tools/make_readme.py changed these files:" >&2
  diff <(echo "$before") <(echo "$after") | grep '^[<>]' | sed 's/^[<>] [0-9a-f]*  */  /' | sort -u >&2 || true
  echo "check_sync: the notebooks are the source. Run 'make export' and commit the result." >&2
  exit 1
fi
echo "check_sync: mint/, nbs/ and README.md are in sync with the notebooks"
# the generated code: no unused imports or names (pyflakes), and dependencies that point one way
"$BIN/python" -m pyflakes $(find mint -name '*.py' ! -name _modidx.py) tools/*.py docs/build.py
"$BIN/python" tools/check_imports.py
