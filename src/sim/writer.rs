//! Writing a run: the blocks made one after another (block b written while
//! block b + 1 is made), their records merged in coordinate order into one
//! BAM with its index built on the way, the FASTQ blocks appended in
//! order, then the truth and the parameters.
//!
//! The seven files are one all-or-nothing set, a [`FileSet`]:
//! each is written to a temporary name in the output folder and all are
//! moved into place only once every one is complete, so a failed run leaves
//! none behind (nor the folders it made). The BAM and its index are written
//! by htslib, by name, to their outputs' temporary files
//! ([`Output::temp_path`]).

use super::chunk::BlockOut;
use super::truth::{self, SiteTruth};
use super::{bam_out, fastq_out, layout, SimError, SimSummary, Simulation};
use crate::output::{FileSet, Output};
use crate::progress::{Measure, Progress};
use rust_htslib::bam;
use std::io::Write;
use std::path::Path;

/// An output of the run, at `path`; creating the first makes the folder.
fn create(path: &Path) -> Result<Output, SimError> {
    Output::create(Some(path)).map_err(|e| SimError::write(path, e))
}

/// Where a writer that opens files by name (htslib) writes `out`: its
/// temporary file, or the destination itself when that is a device or a
/// FIFO, which every output writes in place.
fn by_name<'a>(out: &'a Output, dest: &'a Path) -> &'a Path {
    out.temp_path().unwrap_or(dest)
}

impl Simulation<'_> {
    /// Simulate and write every output into `params.out_dir`.
    pub fn run(&self) -> Result<SimSummary, SimError> {
        self.run_with_progress(&Progress::new())
    }

    /// [`Simulation::run`], counting the unique fragments made, out of
    /// [`Simulation::fragments`], in `progress`. (Writing the last block and
    /// renaming the files come after the count reaches the total.)
    pub fn run_with_progress(&self, progress: &Progress) -> Result<SimSummary, SimError> {
        progress.begin(Some(self.fragments()), Measure::Items("fragments"));
        let p = &self.params;
        let paths = p.output_files();
        let [bam_path, bai_path, r1_path, r2_path, tsv_path, vcf_path, json_path] = &paths;
        // One `let` each: dropped unfinished (an error), the later go
        // first, so the folder the BAM's output made is empty when it goes.
        let bam_file = create(bam_path)?;
        let bai_file = create(bai_path)?;
        let mut r1_file = create(r1_path)?;
        let mut r2_file = create(r2_path)?;
        let threads = p.threads.max(1);
        let header = bam_out::header(&self.contigs, &p.name, &p.command_line());
        let mut writer = bam_out::IndexingWriter::create(
            by_name(&bam_file, bam_path),
            by_name(&bai_file, bai_path),
            &header,
            p.compression_level,
            threads,
        )
        .map_err(|e| SimError::write(bam_path, e))?;
        let mut per_block_truth: Vec<Vec<SiteTruth>> = Vec::with_capacity(self.blocks.len());
        let (mut pairs, mut fragments) = (0u64, 0u64);
        {
            let mut fq = [
                std::io::BufWriter::with_capacity(1 << 20, &mut r1_file),
                std::io::BufWriter::with_capacity(1 << 20, &mut r2_file),
            ];
            let fq_paths = [r1_path, r2_path];
            let floors = layout::later_floors(&self.blocks);
            // Records of earlier blocks at or past the current block's floor,
            // in order: later blocks' reads may come before them.
            let mut held: Vec<bam::Record> = Vec::new();
            let mut b = 0;
            let mut write_block = |out: BlockOut| -> Result<Vec<SiteTruth>, SimError> {
                let floor = floors[b].map(|f| f as i64);
                b += 1;
                let mut write = |rec: &bam::Record| writer.write(rec);
                let earlier = std::mem::take(&mut held);
                merge_held(earlier, &out, floor, &mut held, &mut write)
                    .map_err(|e| SimError::write(bam_path, e))?;
                for k in 0..2 {
                    for bytes in &out.fastq[k] {
                        fq[k]
                            .write_all(bytes)
                            .map_err(|e| SimError::write(fq_paths[k], e))?;
                    }
                }
                pairs += out.pairs;
                fragments += out.fragments;
                Ok(out.truth)
            };
            // Write block b while block b + 1 is being made.
            let mut pending: Option<BlockOut> = None;
            for b in 0..=self.blocks.len() {
                let (written, next) = rayon::join(
                    || pending.take().map(&mut write_block),
                    || {
                        (b < self.blocks.len())
                            .then(|| self.generate_block_with_progress(b, progress))
                    },
                );
                if let Some(t) = written {
                    per_block_truth.push(t?);
                }
                pending = next;
            }
            for k in 0..2 {
                fastq_out::finish(&mut fq[k]).map_err(|e| SimError::write(fq_paths[k], e))?;
            }
        }
        // Close the BAM (its EOF block) and write the index built on the way.
        writer.finish().map_err(|e| match e {
            bam_out::FinishError::Index => SimError::write(bai_path, e),
            bam_out::FinishError::Close => SimError::write(bam_path, e),
        })?;
        // In the order they are listed, and moved into place (the index
        // after the BAM).
        let mut files = FileSet::new();
        for out in [bam_file, bai_file, r1_file, r2_file] {
            files.add(out);
        }
        let truth = self.truth_rows(&per_block_truth);
        files.write(tsv_path, |out| truth::write_tsv(out, &truth))?;
        files.write(vcf_path, |out| {
            truth::write_vcf(out, &self.contigs, &truth, &p.name)
        })?;
        let json = serde_json::to_string_pretty(&self.params_json(pairs, fragments))
            .map_err(|e| SimError::write(json_path, e))?;
        files.write(json_path, |out| writeln!(out, "{json}"))?;
        // Everything is written: move it into place, all of it or none.
        files.finish()?;
        let [bam, _, _, _, truth_tsv, ..] = paths.clone();
        Ok(SimSummary {
            files: paths.to_vec(),
            bam,
            truth_tsv,
            truth,
            pairs,
            fragments,
            notes: self.notes.clone(),
        })
    }
}

fn merge_held(
    earlier: Vec<bam::Record>,
    out: &BlockOut,
    floor: Option<i64>,
    held: &mut Vec<bam::Record>,
    write: &mut dyn FnMut(&bam::Record) -> Result<(), String>,
) -> Result<(), String> {
    let hold = |rec: &bam::Record| floor.is_some_and(|f| rec.pos() >= f);
    let mut earlier = earlier.into_iter().peekable();
    for &i in &out.order {
        let rec = &out.records[i as usize];
        while let Some(e) = earlier.next_if(|e| e.pos() <= rec.pos()) {
            if hold(&e) {
                held.push(e);
            } else {
                write(&e)?;
            }
        }
        if hold(rec) {
            held.push(rec.clone());
        } else {
            write(rec)?;
        }
    }
    for e in earlier {
        if hold(&e) {
            held.push(e);
        } else {
            write(&e)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(name: &str, pos: i64) -> bam::Record {
        let mut r = bam::Record::new();
        r.set(name.as_bytes(), None, b"", &[]);
        r.set_pos(pos);
        r
    }

    /// Held-back records merge with the next block's in position order (the
    /// earlier block first on a tie); those at or past the floor wait.
    #[test]
    fn merge_held_writes_in_order_and_holds_past_the_floor() {
        let out = BlockOut {
            // Made out of order; `order` sorts them.
            records: vec![rec("b25", 25), rec("b5", 5), rec("b10", 10), rec("b15", 15)],
            order: vec![1, 2, 3, 0],
            fastq: [Vec::new(), Vec::new()],
            truth: Vec::new(),
            pairs: 0,
            fragments: 0,
        };
        let earlier = vec![rec("a10", 10), rec("a20", 20)];
        let name = |r: &bam::Record| String::from_utf8_lossy(r.qname()).into_owned();
        let mut written = Vec::new();
        let mut held = Vec::new();
        merge_held(earlier.clone(), &out, Some(18), &mut held, &mut |r| {
            written.push(name(r));
            Ok(())
        })
        .unwrap();
        assert_eq!(written, ["b5", "a10", "b10", "b15"]);
        assert_eq!(held.iter().map(name).collect::<Vec<_>>(), ["a20", "b25"]);
        // No later block on the contig: everything is written.
        let (mut written, mut held) = (Vec::new(), Vec::new());
        merge_held(earlier, &out, None, &mut held, &mut |r| {
            written.push(name(r));
            Ok(())
        })
        .unwrap();
        assert_eq!(written, ["b5", "a10", "b10", "b15", "a20", "b25"]);
        assert!(held.is_empty());
    }
}
