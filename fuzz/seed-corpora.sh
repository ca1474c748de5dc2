#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with starting inputs from the committed files, for a campaign's
# first run. The corpora stay out of git (fuzz/.gitignore); running this again adds nothing new.
#   parse:   every committed policy and every golden diagnostics case (tests/ui/**/*.dexp)
#   records: each line of the reference policy's example records, good and bad, one a file
#   compile, differential, load: their bodies build structured inputs from any bytes, so they
#   start from a few fixed byte strings.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
corpus="$root/fuzz/corpus"
mkdir -p "$corpus"/{parse,records,compile,differential,load}
for f in "$root"/policies/*.dexp "$root"/tests/policies/*.dexp "$root"/tests/ui/*/*.dexp; do
  cp "$f" "$corpus/parse/$(basename "$(dirname "$f")")-$(basename "$f")"
done
for f in "$root"/policies/examples/*tenants.ndjson; do
  n=0
  while IFS= read -r line; do
    n=$((n + 1))
    printf '%s\n' "$line" > "$corpus/records/$(basename "$f" .ndjson)-$n.ndjson"
  done < "$f"
done
for t in compile differential load; do
  printf '\x00' > "$corpus/$t/zero"
  printf '\x01\x02\x03\x04\x05\x06\x07\x08' > "$corpus/$t/counting"
  head -c 512 /dev/zero | tr '\0' '\377' > "$corpus/$t/ones"
done
echo "seeded: $(for t in parse records compile differential load; do printf '%s=%s ' "$t" "$(ls "$corpus/$t" | wc -l)"; done)"
