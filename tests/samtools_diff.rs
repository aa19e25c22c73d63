//! Differential test: cfspot's per-base counts at every single-base demo
//! hotspot against `samtools mpileup` on a BAM of random reads.
//!
//! The reads are random on purpose: random placements around the hotspots,
//! overlapping mates, alt and other bases, base qualities on both sides of
//! the threshold, random mapping qualities and flags, soft clips, and small
//! insertions and deletions anywhere (some spanning a hotspot).
//!
//! What must be equal, and why:
//! * Read mode (`--count-reads` vs `samtools mpileup -x`, overlap detection
//!   off): every read counts by itself in both, with the same filters, so the
//!   A/C/G/T/N and deletion counts are equal at every site.
//! * Fragment mode (default vs `samtools mpileup` with its overlap
//!   detection). Samtools does not count fragments but, for two overlapping
//!   mates with bases at a site, keeps one base: when they agree it keeps
//!   one with the summed quality; when they disagree it keeps the
//!   higher-quality base at 0.8 × its quality. With base qualities drawn
//!   from {2..9} ∪ {30..40} that equals cfspot's rule (a low-quality mate
//!   defers to a confident one; two low ones stay uncounted since their sum
//!   is < 20) except where cfspot, by definition, counts a pair of confident
//!   disagreeing mates as `discordant` and samtools keeps one of them.
//!   Deletions over a site are left out of this data set: samtools judges a
//!   deleted site by the quality of the next base, which its overlap handling
//!   may have zeroed, and that is no fragment rule (read mode covers
//!   deletions exactly). Hence, at every site: `samtools[b] >= cfspot[b]`
//!   for every base b, and the total excess is exactly one base per pair of
//!   confident, disagreeing mates — which this test recomputes from the
//!   generated reads, independently of both tools.

mod common;

use common::{cfspot_ok, have_tool, run_ok, tsv_rows, Rng};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Site {
    contig: String,
    pos: u64, // 1-based
    alt_base: u8,
}

/// Demo windows: (contig, start1, bases).
fn windows() -> Vec<(String, u64, Vec<u8>)> {
    let text = include_str!("../assets/demo/regions.fa");
    let mut out: Vec<(String, u64, Vec<u8>)> = Vec::new();
    for line in text.lines() {
        if let Some(name) = line.strip_prefix('>') {
            let (contig, range) = name.split_once(':').unwrap();
            let start: u64 = range.split('-').next().unwrap().parse().unwrap();
            out.push((contig.to_string(), start, Vec::new()));
        } else {
            out.last_mut()
                .unwrap()
                .2
                .extend(line.trim().bytes().map(|b| b.to_ascii_uppercase()));
        }
    }
    out
}

fn demo_sites() -> Vec<Site> {
    include_str!("../assets/demo/hotspots.vcf")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[3].len() == 1 && f[4].len() == 1).then(|| Site {
                contig: f[0].to_string(),
                pos: f[1].parse().unwrap(),
                alt_base: f[4].as_bytes()[0],
            })
        })
        .collect()
}

fn header() -> String {
    let mut h = String::from("@HD\tVN:1.6\tSO:unsorted\n");
    for l in include_str!("../assets/demo/hotspots.vcf").lines() {
        if let Some(rest) = l.strip_prefix("##contig=<ID=") {
            let (id, rest) = rest.split_once(",length=").unwrap();
            let len = rest.split(',').next().unwrap();
            writeln!(h, "@SQ\tSN:{id}\tLN:{len}").unwrap();
        }
    }
    h
}

/// One generated read: everything needed for SAM, plus what it shows at
/// each site (for the independent discordance tally).
struct Read {
    name: String,
    flag: u16,
    contig: String,
    pos: u64, // 1-based first aligned base
    mapq: u8,
    cigar: String,
    mate_pos: u64,
    tlen: i64,
    seq: Vec<u8>,
    qual: Vec<u8>,
    /// (site index, base or b'*', quality) for sites this read's alignment covers.
    at_sites: Vec<(usize, u8, u8)>,
}

/// Build one read from fragment bases: `frag` covers reference positions
/// `frag_start..` (1-based). Aligned part: reference positions [from, to).
#[allow(clippy::too_many_arguments)]
fn make_read(
    rng: &mut Rng,
    frag: &[u8],
    frag_start: u64,
    from: u64,
    to: u64,
    sites: &[Site],
    contig: &str,
    low_high_q: bool,
) -> Read {
    // Walk reference positions, emitting CIGAR ops; optionally one indel.
    let len = (to - from) as usize;
    let indel_at = if rng.chance(0.25) && len > 20 {
        Some(5 + rng.below(len as u64 - 10) as usize)
    } else {
        None
    };
    let del = rng.chance(0.6);
    let indel_len = 1 + rng.below(3) as usize;
    let mut ops: Vec<(u8, usize)> = Vec::new();
    let push = |ops: &mut Vec<(u8, usize)>, op: u8, n: usize| match ops.last_mut() {
        Some((o, m)) if *o == op => *m += n,
        _ => ops.push((op, n)),
    };
    let mut seq = Vec::new();
    let mut qual = Vec::new();
    let mut at_sites = Vec::new();
    let qsample = |rng: &mut Rng| -> u8 {
        if low_high_q {
            if rng.chance(0.2) {
                2 + rng.below(8) as u8
            } else {
                30 + rng.below(11) as u8
            }
        } else {
            rng.below(42) as u8
        }
    };
    let mut i = 0usize;
    while i < len {
        let rpos = from + i as u64;
        // In the fragment-mode data no deletion touches a site or the base
        // after it (see the module comment).
        let touches_site = || {
            sites
                .iter()
                .any(|s| s.contig == contig && s.pos >= rpos && s.pos <= rpos + indel_len as u64)
        };
        if indel_at == Some(i) && !(low_high_q && del && touches_site()) {
            if del && i + indel_len < len {
                for k in 0..indel_len {
                    let p = rpos + k as u64;
                    if let Some(s) = sites.iter().position(|s| s.contig == contig && s.pos == p) {
                        at_sites.push((s, b'*', 0));
                    }
                }
                push(&mut ops, b'D', indel_len);
                i += indel_len;
                continue;
            } else if !del {
                for _ in 0..indel_len {
                    seq.push(b"ACGT"[rng.below(4) as usize]);
                    qual.push(qsample(rng));
                }
                push(&mut ops, b'I', indel_len);
            }
        }
        let mut b = frag[(rpos - frag_start) as usize];
        if rng.chance(0.01) {
            b = b"ACGTN"[rng.below(5) as usize];
        }
        let q = qsample(rng);
        if let Some(s) = sites
            .iter()
            .position(|s| s.contig == contig && s.pos == rpos)
        {
            if rng.chance(0.1) {
                b = b"ACGTN"[rng.below(5) as usize]; // per-read noise: mates may disagree
            }
            at_sites.push((s, b, q));
        }
        seq.push(b);
        qual.push(q);
        push(&mut ops, b'M', 1);
        i += 1;
    }
    // Soft clips: turn aligned bases at either end into clips (their sites
    // are then not covered).
    let mut pos = from;
    if rng.chance(0.1) {
        if let Some((b'M', n)) = ops.first_mut() {
            if *n > 8 {
                let k = 1 + rng.below(6) as usize;
                *n -= k;
                ops.insert(0, (b'S', k));
                at_sites.retain(|&(s, _, _)| sites[s].pos >= pos + k as u64);
                pos += k as u64;
            }
        }
    }
    if rng.chance(0.1) {
        if let Some((b'M', n)) = ops.last_mut() {
            if *n > 8 {
                let k = 1 + rng.below(6) as usize;
                *n -= k;
                ops.push((b'S', k));
                let end = to - k as u64; // exclusive end of aligned bases
                at_sites.retain(|&(s, _, _)| sites[s].pos < end);
            }
        }
    }
    let cigar = ops
        .iter()
        .map(|(o, n)| format!("{n}{}", *o as char))
        .collect();
    Read {
        name: String::new(),
        flag: 0,
        contig: contig.to_string(),
        pos,
        mapq: 60,
        cigar,
        mate_pos: 0,
        tlen: 0,
        seq,
        qual,
        at_sites,
    }
}

fn random_reads(seed: u64, pairs_per_site: usize, low_high_q: bool) -> Vec<Read> {
    let mut rng = Rng(seed);
    let sites = demo_sites();
    let wins = windows();
    let mut reads = Vec::new();
    for (si, site) in sites.iter().enumerate() {
        let (_, wstart, wseq) = wins
            .iter()
            .find(|(c, s, q)| *c == site.contig && *s <= site.pos && site.pos < s + q.len() as u64)
            .unwrap();
        for k in 0..pairs_per_site {
            let flen = 60 + rng.below(200);
            let start = site.pos - rng.below(flen);
            if start < wstart + 5 || start + flen > wstart + wseq.len() as u64 - 5 {
                continue;
            }
            let mut frag =
                wseq[(start - wstart) as usize..(start + flen - wstart) as usize].to_vec();
            // The fragment carries the alt allele at each SNV site with p = 0.3.
            for s in &sites {
                if s.contig == site.contig
                    && s.pos >= start
                    && s.pos < start + flen
                    && rng.chance(0.3)
                {
                    frag[(s.pos - start) as usize] = s.alt_base;
                }
            }
            let rlen = flen.min(100);
            let name = format!("s{si}f{k}");
            let mut r1 = make_read(
                &mut rng,
                &frag,
                start,
                start,
                start + rlen,
                &sites,
                &site.contig,
                low_high_q,
            );
            let mut r2 = make_read(
                &mut rng,
                &frag,
                start,
                start + flen - rlen,
                start + flen,
                &sites,
                &site.contig,
                low_high_q,
            );
            let mapq = |rng: &mut Rng| {
                if rng.chance(0.85) {
                    60
                } else {
                    rng.below(61) as u8
                }
            };
            let extra = |rng: &mut Rng| -> u16 {
                let mut f = 0;
                for (bit, p) in [
                    (0x400u16, 0.03),
                    (0x100, 0.02),
                    (0x200, 0.02),
                    (0x800, 0.02),
                ] {
                    if rng.chance(p) {
                        f |= bit;
                    }
                }
                f
            };
            let (p1, p2) = (r1.pos, r2.pos);
            r1.name = name.clone();
            r2.name = name;
            r1.flag = 0x1 | 0x2 | 0x20 | 0x40 | extra(&mut rng);
            r2.flag = 0x1 | 0x2 | 0x10 | 0x80 | extra(&mut rng);
            r1.mapq = mapq(&mut rng);
            r2.mapq = mapq(&mut rng);
            r1.mate_pos = p2;
            r2.mate_pos = p1;
            r1.tlen = flen as i64;
            r2.tlen = -(flen as i64);
            reads.push(r1);
            reads.push(r2);
        }
    }
    reads
}

fn write_bam(dir: &Path, name: &str, reads: &[Read]) -> PathBuf {
    let mut sam = header();
    for r in reads {
        let q: String = r.qual.iter().map(|&q| (q + 33) as char).collect();
        writeln!(
            sam,
            "{}\t{}\t{}\t{}\t{}\t{}\t=\t{}\t{}\t{}\t{}",
            r.name,
            r.flag,
            r.contig,
            r.pos,
            r.mapq,
            r.cigar,
            r.mate_pos,
            r.tlen,
            String::from_utf8_lossy(&r.seq),
            q
        )
        .unwrap();
    }
    let sam_path = dir.join(format!("{name}.sam"));
    std::fs::write(&sam_path, sam).unwrap();
    let bam = dir.join(format!("{name}.bam"));
    let st = Command::new("samtools")
        .args(["sort", "-o"])
        .arg(&bam)
        .arg(&sam_path)
        .status()
        .unwrap();
    assert!(st.success());
    let st = Command::new("samtools")
        .arg("index")
        .arg(&bam)
        .status()
        .unwrap();
    assert!(st.success());
    bam
}

/// Per-site counts of A C G T N and deletions from `samtools mpileup`.
fn samtools_counts(
    bam: &Path,
    dir: &Path,
    overlap_detection: bool,
) -> HashMap<(String, u64), [u64; 6]> {
    let bed = dir.join("sites.bed");
    let mut text = String::new();
    for s in demo_sites() {
        writeln!(text, "{}\t{}\t{}", s.contig, s.pos - 1, s.pos).unwrap();
    }
    std::fs::write(&bed, text).unwrap();
    let mut cmd = Command::new("samtools");
    cmd.args([
        "mpileup",
        "-B",
        "-A",
        "-d",
        "0",
        "-q",
        "20",
        "-Q",
        "20",
        "--ff",
        "UNMAP,SECONDARY,QCFAIL,DUP,SUPPLEMENTARY",
        "-l",
    ])
    .arg(&bed);
    if !overlap_detection {
        cmd.arg("-x");
    }
    let mut counts = HashMap::new();
    for line in run_ok(cmd.arg(bam)).lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let mut c = [0u64; 6];
        let b = f[4].as_bytes();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'^' => i += 1, // skip the mapping-quality character
                b'+' | b'-' => {
                    let mut j = i + 1;
                    let mut n = 0usize;
                    while b[j].is_ascii_digit() {
                        n = n * 10 + (b[j] - b'0') as usize;
                        j += 1;
                    }
                    i = j + n - 1;
                }
                x => {
                    if let Some(k) = b"ACGTN*".iter().position(|&y| y == x.to_ascii_uppercase()) {
                        c[k] += 1;
                    } else if x == b'#' {
                        c[5] += 1;
                    }
                }
            }
            i += 1;
        }
        counts.insert((f[0].to_string(), f[1].parse().unwrap()), c);
    }
    counts
}

/// cfspot's A C G T N DEL and discordant per (contig, pos), from its TSV.
fn cfspot_counts(bam: &Path, read_mode: bool) -> HashMap<(String, u64), ([u64; 6], u64)> {
    let mut args = vec!["count", "-@", "2"];
    if read_mode {
        args.push("--count-reads");
    }
    args.push(bam.to_str().unwrap());
    let mut counts = HashMap::new();
    for row in tsv_rows(&cfspot_ok(&args)) {
        if row["A"].is_empty() {
            continue; // multi-base site
        }
        let c = ["A", "C", "G", "T", "N", "DEL"].map(|b| row[b].parse().unwrap());
        let key = (row["contig"].clone(), row["pos"].parse().unwrap());
        counts.insert(key, (c, row["discordant"].parse().unwrap()));
    }
    counts
}

#[test]
fn read_mode_equals_samtools_mpileup_without_overlap_detection() {
    if !have_tool("samtools") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let bam = write_bam(dir.path(), "reads", &random_reads(0x5eed_0001, 120, false));
    let sam = samtools_counts(&bam, dir.path(), false);
    let cf = cfspot_counts(&bam, true);
    // 29 SNV hotspots at 26 distinct positions (multi-ALT sites share one).
    assert_eq!(cf.len(), 26);
    let mut total = 0;
    for (key, (c, _)) in &cf {
        let s = sam.get(key).copied().unwrap_or([0; 6]);
        assert_eq!(*c, s, "{key:?}: cfspot A C G T N DEL vs samtools");
        total += c.iter().sum::<u64>();
    }
    assert!(
        total > 29 * 100,
        "the test must exercise real depth, got {total}"
    );
}

#[test]
fn fragment_mode_matches_samtools_overlap_handling_except_discordant_pairs() {
    if !have_tool("samtools") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let reads = random_reads(0x5eed_0002, 120, true);
    // Independent tally of what samtools must count beyond cfspot: for each
    // pair whose two kept mates both show the site confidently and disagree.
    let sites = demo_sites();
    let keep = |r: &Read| r.flag & 0xf04 == 0 && r.mapq >= 20;
    let mut by_name: HashMap<&str, Vec<&Read>> = HashMap::new();
    for r in reads.iter().filter(|r| keep(r)) {
        by_name.entry(&r.name).or_default().push(r);
    }
    let mut excess: HashMap<(String, u64), u64> = HashMap::new();
    for mates in by_name.values().filter(|m| m.len() == 2) {
        for &(s, b1, q1) in &mates[0].at_sites {
            let Some(&(_, b2, q2)) = mates[1].at_sites.iter().find(|x| x.0 == s) else {
                continue;
            };
            if b1 != b2 && q1 >= 20 && q2 >= 20 {
                *excess
                    .entry((sites[s].contig.clone(), sites[s].pos))
                    .or_default() += 1;
            }
        }
    }
    let bam = write_bam(dir.path(), "frags", &reads);
    let sam = samtools_counts(&bam, dir.path(), true);
    let cf = cfspot_counts(&bam, false);
    let mut discordant_total = 0;
    for (key, (c, discordant)) in &cf {
        let s = sam.get(key).copied().unwrap_or([0; 6]);
        for k in 0..6 {
            assert!(
                s[k] >= c[k],
                "{key:?} base {k}: samtools {s:?} < cfspot {c:?}"
            );
        }
        let diff = s.iter().sum::<u64>() - c.iter().sum::<u64>();
        let want = excess.get(key).copied().unwrap_or(0);
        assert_eq!(
            diff, want,
            "{key:?}: samtools {s:?}, cfspot {c:?}, discordant {discordant}"
        );
        discordant_total += discordant;
    }
    assert!(
        discordant_total > 10,
        "the test must exercise discordant pairs, got {discordant_total}"
    );
}
