//! BAM mode on a real aligner's BAM: a simulated sample's reads aligned by
//! `bwa mem` to the demo windows (lifted back to genome coordinates, as
//! `benches/fastq_vs_bwa.sh` does), counted in BAM mode, against FASTQ mode
//! on the same reads and against the simulator's truth. bwa soft-clips a
//! read end that carries the EGFR deletion or the L747P MNV; BAM mode must
//! re-place those reads and count them (issue 11, item 4).

mod common;

use cfspot::count::{count_inputs, CountOptions, CountPlan, SiteCounts};
use cfspot::sim::{simulate, SimParams};
use common::{demo, have_tool, run_ok};
use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

/// bwa's SAM on windows named `chrN:S-E` in genome coordinates: contig
/// chrN and POS += S - 1 (PNEXT alike when RNEXT is `=` or another
/// window), one @SQ per chromosome as long as its last window's end.
fn lift(sam: &str) -> String {
    let window = |name: &str| -> Option<(String, i64, i64)> {
        let (contig, range) = name.rsplit_once(':')?;
        let (s, e) = range.split_once('-')?;
        Some((contig.to_string(), s.parse().ok()?, e.parse().ok()?))
    };
    let mut order: Vec<String> = Vec::new();
    let mut len: HashMap<String, i64> = HashMap::new();
    let mut body = String::new();
    let mut header = String::new();
    for line in sam.lines() {
        if let Some(rest) = line.strip_prefix("@SQ\tSN:") {
            let name = rest.split('\t').next().unwrap();
            let (c, _, e) = window(name).expect("bwa's contigs are the demo windows");
            if !len.contains_key(&c) {
                order.push(c.clone());
            }
            let l = len.entry(c).or_insert(0);
            *l = (*l).max(e);
            continue;
        }
        if line.starts_with('@') {
            header.push_str(line);
            header.push('\n');
            continue;
        }
        let mut f: Vec<String> = line.split('\t').map(String::from).collect();
        let mut own = 0;
        if let Some((c, s, _)) = window(&f[2]) {
            own = s - 1;
            f[3] = (f[3].parse::<i64>().unwrap() + own).to_string();
            f[2] = c;
        }
        if f[6] == "=" {
            f[7] = (f[7].parse::<i64>().unwrap() + own).to_string();
        } else if let Some((c, s, _)) = window(&f[6]) {
            f[7] = (f[7].parse::<i64>().unwrap() + s - 1).to_string();
            f[6] = if c == f[2] { "=".into() } else { c };
        }
        body.push_str(&f.join("\t"));
        body.push('\n');
    }
    let sq: String = order
        .iter()
        .map(|c| format!("@SQ\tSN:{c}\tLN:{}\n", len[c]))
        .collect();
    sq + &header + &body
}

fn count(inputs: &[&Path]) -> Vec<SiteCounts> {
    let (panel, r) = demo();
    let plan = CountPlan::new(&panel, Some(r.as_ref()), &CountOptions::default());
    let inputs: Vec<_> = inputs.iter().map(|p| p.to_path_buf()).collect();
    let progress = cfspot::progress::Progress::new();
    count_inputs(&inputs, &plan, &progress).unwrap().sites
}

#[test]
fn bwa_bam_counts_indels_and_mnvs_like_fastq_mode_and_the_truth() {
    if !have_tool("bwa") || !have_tool("samtools") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let p = SimParams {
        out_dir: d.to_owned(),
        name: "s".into(),
        depth: 500.0,
        tumour_fraction: 0.1,
        seed: 11,
        ..SimParams::default()
    };
    let (panel, r) = demo();
    let summary = simulate(&p, &panel, r.as_ref()).unwrap();
    let (r1, r2) = (d.join("s_R1.fastq.gz"), d.join("s_R2.fastq.gz"));
    let windows = d.join("regions.fa");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/regions.fa"),
        &windows,
    )
    .unwrap();
    run_ok(Command::new("bwa").arg("index").arg(&windows));
    let sam = run_ok(
        Command::new("bwa")
            .args(["mem", "-t", "2"])
            .arg(&windows)
            .arg(&r1)
            .arg(&r2),
    );
    let lifted = d.join("lifted.sam");
    std::fs::write(&lifted, lift(&sam)).unwrap();
    let bam = d.join("bwa.bam");
    run_ok(
        Command::new("samtools")
            .arg("sort")
            .arg("-o")
            .arg(&bam)
            .arg(&lifted),
    );
    run_ok(Command::new("samtools").arg("index").arg(&bam));

    let bwa = count(&[&bam]);
    let fastq = count(&[&r1, &r2]);
    let truth: HashMap<&str, u64> = summary
        .truth
        .iter()
        .map(|t| (t.id.as_str(), t.alt_fragments))
        .collect();
    let mut checked = 0;
    for (i, h) in panel.hotspots.iter().enumerate() {
        // The demo's indel and MNV (EGFR E746_A750del, L747P): the alleles
        // an aligner writes as clips. SNV sites are not re-placed.
        if h.ref_allele.len() == 1 && h.alt_allele.len() == 1 {
            continue;
        }
        let (b, f, t) = (
            bwa[i].alt_count(),
            fastq[i].alt_count(),
            truth[h.id.as_str()],
        );
        assert!(t >= 20, "{}: too few alt fragments ({t}) to tell", h.id);
        assert!(
            b.abs_diff(f) <= 1 && b.abs_diff(t) <= 1,
            "{}: alt fragments in bwa's BAM {b}, FASTQ mode {f}, truth {t}",
            h.id
        );
        eprintln!("{}: bwa {b} fastq {f} truth {t}", h.id);
        checked += 1;
    }
    assert_eq!(checked, 2);
}
