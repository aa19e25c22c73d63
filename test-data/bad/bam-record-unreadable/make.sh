#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
# The reads of index-other-contigs, without an index, whose first record's
# CIGAR is patched from 30M to 40M in the binary (SAM text cannot say it):
# htslib refuses to read that record, so indexing fails, and the cause is
# a corrupt record, not the sort order.
samtools view -u -o raw.bam ../index-other-contigs/reads.bam
python3 - <<'PY'
import gzip, struct
d = bytearray(gzip.decompress(open("raw.bam", "rb").read()))
l_text = struct.unpack_from("<i", d, 4)[0]
o = 8 + l_text
n_ref = struct.unpack_from("<i", d, o)[0]; o += 4
for _ in range(n_ref):
    o += 4 + struct.unpack_from("<i", d, o)[0] + 4
l_name = d[o + 12]
cig = o + 36 + l_name
assert struct.unpack_from("<I", d, cig)[0] == 30 << 4
struct.pack_into("<I", d, cig, 40 << 4)
open("raw", "wb").write(bytes(d))
PY
bgzip -c raw > reads.bam
cp ../index-other-contigs/panel.tsv .
rm raw raw.bam
