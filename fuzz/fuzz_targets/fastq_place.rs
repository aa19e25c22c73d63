//! Fuzz target: see `entry::fastq_place` (fuzz/entry.rs), which the stable smoke
//! test (tests/fuzz_smoke.rs) replays the committed corpus through.
#![no_main]

#[path = "../entry.rs"]
mod entry;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    entry::fastq_place(data);
});
