#!/bin/sh
# stdin is ../bam-ends-inside-record/cut.bam (mini.bam cut inside the 32-byte
# core of a record), fed on standard input: rust-htslib's sequential reader
# takes htslib's -3 for success there, which panicked the one-pass engine.
set -eu
cd "$(dirname "$0")"
cp ../bam-ends-inside-record/cut.bam stdin
