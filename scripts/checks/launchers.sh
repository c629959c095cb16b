# Sourced by the checks that run two launchers side by side (same-outputs.sh, same-reports.sh): reads the two
# launchers from the arguments, names the repository's models/ and examples/, and makes the work folder.
#
#   source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/launchers.sh" NAME "$@"
#
# Sets old, new (the launchers, resolved), repo, M (models/), E (examples/) and work (a fresh folder under $TMPDIR or
# /tmp, named after NAME, removed on exit unless TMP_KEEP=1). Exits 2 on a wrong usage or a launcher that cannot run.
work_name="$1"
shift
if (( $# != 2 )); then
  echo "usage: $0 OLD_LAUNCHER NEW_LAUNCHER" >&2
  exit 2
fi
old="$(readlink -f "$1")"
new="$(readlink -f "$2")"
for l in "$old" "$new"; do
  if [[ ! -x "$l" ]]; then
    echo "$0: $l is not an executable launcher" >&2
    exit 2
  fi
done
repo="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
M="$repo/models"
E="$repo/examples"
work="$(mktemp -d "${TMPDIR:-/tmp}/$work_name.XXXXXX")"
if [[ "${TMP_KEEP:-0}" != 1 ]]; then
  trap 'rm -rf "$work"' EXIT
else
  echo "work folder: $work"
fi
