#!/usr/bin/env python3
"""The baseline's detected hotspots, for cfspot call --tumour-informed.

    baseline_mutations.py BASELINE.summary.json OUT.txt

Writes the IDs comma-separated on one line (summary.json `detected`). Stops
with a message when the baseline shows no mutation: there is then nothing
to follow (raise the baseline's depth or tumour fraction, or give the IDs
in config `tumour_informed`).
"""

import json
import sys


def main(summary, out):
    with open(summary) as f:
        s = json.load(f)
    ids = [d if isinstance(d, str) else d.get("id") for d in s.get("detected") or []]
    ids = [i for i in ids if i]
    if not ids:
        sys.exit(f"{summary}: the baseline has no detected mutation to follow "
                 f"(status {s.get('status')}); set `tumour_informed` in the config")
    with open(out, "w") as f:
        f.write(",".join(ids) + "\n")
    print(f"following {len(ids)} baseline mutation(s): {', '.join(ids)}", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(*sys.argv[1:])
