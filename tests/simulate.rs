//! End-to-end tests of `cfspot simulate`: the BAM, FASTQ and truth agree
//! with each other, with `cfspot count`, with samtools, and across thread
//! counts.

mod common;

use cfspot::count::bam::{count_bam, AlignmentInput};
use cfspot::count::{flag, CountOptions, CountPlan, SiteCounts};
use cfspot::sim::mutations::MutationRequest;
use cfspot::sim::{simulate, SimParams, SimSummary};
use common::{cfspot_fails, cfspot_ok, demo, have_tool, json, tsv_rows};
use rust_htslib::bam::{self, Read as _};
use std::collections::HashMap;
use std::io::Read as _;
use std::path::Path;
use std::process::Command;

fn params(dir: &Path, f: impl FnOnce(&mut SimParams)) -> SimParams {
    let mut p = SimParams {
        out_dir: dir.to_owned(),
        depth: 120.0,
        ..SimParams::default()
    };
    f(&mut p);
    p
}

fn run(p: &SimParams) -> SimSummary {
    let (panel, r) = demo();
    simulate(p, &panel, r.as_ref()).unwrap()
}

fn count(bam_path: &Path) -> Vec<SiteCounts> {
    let (panel, r) = demo();
    let input = AlignmentInput::open(bam_path, Some(r.as_ref())).unwrap();
    assert!(!input.index_built, "simulate writes the index");
    let plan = CountPlan::new(&panel, Some(r.as_ref()), &CountOptions::default());
    let progress = cfspot::progress::Progress::new();
    count_bam(&input, &plan, &progress).unwrap().sites
}

/// With no sequencing errors, `count` reports exactly the truth at every
/// hotspot: the overlapping deletion/MNV pair, same-base alternatives, PCR
/// duplicates (flagged, so skipped), UMIs, short fragments, mates of which
/// only one covers a site, and reads that end inside an allele.
#[test]
fn error_free_count_equals_truth_at_every_hotspot() {
    let dir = tempfile::tempdir().unwrap();
    let p = params(dir.path(), |p| {
        p.error_rate = 0.0;
        p.tumour_fraction = 0.3;
        p.duplicates = 0.2;
        p.umi = true;
        p.seed = 11;
    });
    let s = run(&p);
    let counts = count(&s.bam);
    assert_eq!(s.truth.len(), 31);
    for (t, c) in s.truth.iter().zip(&counts) {
        assert_eq!(
            (t.depth, t.alt_fragments),
            (c.depth(), c.alt_count()),
            "{}",
            t.id
        );
        assert_eq!((c.discordant, c.low_quality), (0, 0), "{}", t.id);
        assert!(t.depth > 40, "{} depth {}", t.id, t.depth);
    }
    // Both overlapping EGFR alleles were carried, each by some fragments; a
    // deletion fragment is `other` at the MNV site (an MNV fragment carries
    // no indel, so it reads REF at the deletion site).
    let row = |id: &str| s.truth.iter().position(|t| t.id == id).unwrap();
    let (del, mnv) = (row("EGFR_E746_A750del"), row("EGFR_L747P"));
    assert!(s.truth[del].alt_fragments > 0 && s.truth[mnv].alt_fragments > 0);
    assert!(
        counts[mnv].other >= counts[del].alt_count() / 2,
        "{:?}",
        counts[mnv]
    );
    // No temporary file is left behind.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(
        names.iter().all(|n| !n.starts_with(".cfspot-")),
        "{names:?}"
    );
    assert_eq!(names.len(), 7, "{names:?}");
}

/// The same through the binary: `cfspot simulate` then `cfspot count`.
#[test]
fn binary_simulate_then_count() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    cfspot_ok(&[
        "simulate",
        "-o",
        d,
        "-n",
        "bin",
        "-d",
        "80",
        "-e",
        "0",
        "-t",
        "0.2",
        "-m",
        "KRAS_G12D,EGFR_E746_A750del,EGFR_L747P:0.5",
        "-@",
        "2",
    ]);
    let counts_path = dir.path().join("counts.tsv");
    cfspot_ok(&[
        "count",
        &format!("{d}/bin.bam"),
        "-o",
        counts_path.to_str().unwrap(),
    ]);
    let read = |p: &Path| tsv_rows(&std::fs::read_to_string(p).unwrap());
    let truth = read(&dir.path().join("bin.truth.tsv"));
    let counted = read(&counts_path);
    assert_eq!(truth.len(), counted.len());
    let mut mutated = 0;
    for (t, c) in truth.iter().zip(&counted) {
        assert_eq!(t["id"], c["id"]);
        assert_eq!(t["depth"], c["depth"], "{}", t["id"]);
        assert_eq!(t["alt_fragments"], c["alt_count"], "{}", t["id"]);
        mutated += (t["mutated"] == "true") as u32;
    }
    assert_eq!(mutated, 3);
    let text = std::fs::read_to_string(dir.path().join("bin.truth.tsv")).unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split('\t').take(6).collect();
    assert_eq!(
        header,
        [
            "id",
            "mutated",
            "expected_vaf",
            "depth",
            "alt_fragments",
            "vaf"
        ]
    );
    let sim_params = json(dir.path().join("bin.params.json"));
    assert_eq!(sim_params["parameters"]["seed"], 1);
    assert_eq!(sim_params["cfspot_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(sim_params["mutations"][1]["ccf"], 0.5);
    let vcf = std::fs::read_to_string(dir.path().join("bin.truth.vcf")).unwrap();
    let records: Vec<&str> = vcf.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(records.len(), 3);
    assert!(
        records[0].starts_with("chr7\t55174771\tEGFR_E746_A750del\tAGGAATTAAGAGAAGC\tA\t"),
        "{vcf}"
    );
    assert!(
        records[2].starts_with("chr12\t25245350\tKRAS_G12D"),
        "{vcf}"
    );
}

/// One seed, -@ 1 and -@ 2: every file byte-identical.
#[test]
fn same_seed_same_bytes_for_any_thread_count() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let tweak = |p: &mut SimParams| {
        p.duplicates = 0.3;
        p.umi = true;
        p.seed = 99;
        p.depth = 150.0;
    };
    let pa = params(a.path(), |p| {
        tweak(p);
        p.threads = 1;
    });
    let pb = params(b.path(), |p| {
        tweak(p);
        p.threads = 2;
    });
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let two = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let sa = one.install(|| run(&pa));
    let sb = two.install(|| run(&pb));
    assert!(
        sa.pairs > 10_000,
        "enough reads for several BGZF blocks and chunks: {}",
        sa.pairs
    );
    for (fa, fb) in sa.files.iter().zip(&sb.files) {
        assert_eq!(fa.file_name(), fb.file_name());
        let (x, y) = (std::fs::read(fa).unwrap(), std::fs::read(fb).unwrap());
        assert!(x == y, "{} differs between -@ 1 and -@ 2", fa.display());
    }
    // Another seed gives another sample.
    let c = tempfile::tempdir().unwrap();
    let sc = run(&params(c.path(), |p| {
        tweak(p);
        p.seed = 100;
    }));
    assert_ne!(
        std::fs::read(&sa.bam).unwrap(),
        std::fs::read(&sc.bam).unwrap()
    );
}

fn revcomp(s: &[u8]) -> Vec<u8> {
    s.iter()
        .rev()
        .map(|b| match b {
            b'A' => b'T',
            b'C' => b'G',
            b'G' => b'C',
            b'T' => b'A',
            x => *x,
        })
        .collect()
}

fn read_fastq(path: &Path) -> HashMap<String, (Vec<u8>, Vec<u8>)> {
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len() % 4, 0);
    lines
        .chunks(4)
        .map(|r| {
            assert!(r[0].starts_with('@') && r[2] == "+");
            let name = r[0][1..].split(' ').next().unwrap().to_string();
            (
                name,
                (
                    r[1].as_bytes().to_vec(),
                    r[3].bytes().map(|q| q - 33).collect(),
                ),
            )
        })
        .collect()
}

/// BAM records, FASTQ records, flags, TLEN, NM/MD and UMIs agree.
#[test]
fn bam_and_fastq_agree() {
    let dir = tempfile::tempdir().unwrap();
    let p = params(dir.path(), |p| {
        p.depth = 60.0;
        p.error_rate = 0.01;
        p.duplicates = 0.25;
        p.umi = true;
        p.name = "agree".into();
        p.tumour_fraction = 0.5;
    });
    let s = run(&p);
    let r1 = read_fastq(&dir.path().join("agree_R1.fastq.gz"));
    let r2 = read_fastq(&dir.path().join("agree_R2.fastq.gz"));
    assert_eq!(r1.len() as u64, s.pairs);
    assert_eq!(r2.len() as u64, s.pairs);
    let (_, reference) = demo();
    let mut reader = bam::Reader::from_path(&s.bam).unwrap();
    let header = reader.header().to_owned();
    let text = String::from_utf8_lossy(header.as_bytes()).into_owned();
    assert!(
        text.contains("@HD\tVN:1.6\tSO:coordinate") && text.contains("@RG\tID:agree\tSM:agree"),
        "{text}"
    );
    assert!(text.contains("@SQ\tSN:chr7\tLN:159345973"), "{text}");
    let (mut last, mut n, mut short_seen, mut del_seen) = ((0, 0), 0u64, 0, 0);
    let mut dups = 0u64;
    for rec in reader.records() {
        let rec = rec.unwrap();
        n += 1;
        let here = (rec.tid(), rec.pos());
        assert!(here >= last, "sorted");
        last = here;
        let qname = String::from_utf8(rec.qname().to_vec()).unwrap();
        let f = rec.flags();
        assert_eq!(rec.mapq(), 60);
        assert!(f & flag::PAIRED != 0 && f & flag::PROPER_PAIR != 0);
        assert_eq!(
            f & flag::REVERSE != 0,
            f & flag::MATE_REVERSE == 0,
            "FR orientation"
        );
        assert_eq!(rec.mtid(), rec.tid());
        dups += (f & flag::DUPLICATE != 0) as u64;
        // FASTQ: as sequenced (reverse-strand reads reverse-complemented).
        let (seq, qual) = if f & flag::READ1 != 0 {
            &r1[&qname]
        } else {
            &r2[&qname]
        };
        let (bseq, bqual) = (rec.seq().as_bytes(), rec.qual().to_vec());
        if f & flag::REVERSE != 0 {
            assert_eq!(&revcomp(&bseq), seq, "{qname}");
            assert_eq!(bqual.iter().rev().copied().collect::<Vec<_>>(), *qual);
        } else {
            assert_eq!(&bseq, seq, "{qname}");
            assert_eq!(&bqual, qual);
        }
        // TLEN: + for the forward read, − for the reverse; |TLEN| spans both.
        let tlen = rec.insert_size();
        assert_eq!(tlen > 0, f & flag::REVERSE == 0, "{qname}");
        let cigar = rec.cigar();
        let end = cigar.end_pos();
        if f & flag::REVERSE == 0 {
            // The forward read starts the fragment; its mate lies inside it.
            assert!(
                rec.mpos() >= rec.pos() && rec.mpos() < rec.pos() + tlen,
                "{qname}"
            );
            assert!(end <= rec.pos() + tlen, "{qname}");
        } else {
            // The reverse read ends the fragment, which starts at its mate.
            assert_eq!(end - tlen.abs(), rec.mpos(), "{qname}");
        }
        // Short fragments: reads end at the fragment end.
        let has_indel = cigar
            .iter()
            .any(|c| !matches!(c, bam::record::Cigar::Match(_)));
        if tlen.abs() < 150 && !has_indel {
            assert_eq!(bseq.len() as i64, tlen.abs(), "{qname}");
            assert_eq!(rec.pos(), rec.mpos());
            short_seen += 1;
        }
        del_seen += cigar
            .iter()
            .any(|c| matches!(c, bam::record::Cigar::Del(15))) as u32;
        // NM/MD against the reference.
        let tid = rec.tid() as u32;
        let contig = String::from_utf8(header.tid2name(tid).to_vec()).unwrap();
        let refseq = reference
            .fetch(&contig, rec.pos() as u64, end as u64)
            .unwrap();
        let (mut nm, mut q, mut r) = (0u32, 0usize, 0usize);
        let mut md = String::new();
        let mut run_len = 0;
        for c in cigar.iter() {
            match *c {
                bam::record::Cigar::Match(l) => {
                    for _ in 0..l {
                        if bseq[q] == refseq[r] {
                            run_len += 1;
                        } else {
                            nm += 1;
                            md += &format!("{run_len}{}", refseq[r] as char);
                            run_len = 0;
                        }
                        q += 1;
                        r += 1;
                    }
                }
                bam::record::Cigar::Ins(l) => {
                    nm += l;
                    q += l as usize;
                }
                bam::record::Cigar::SoftClip(l) => q += l as usize,
                bam::record::Cigar::Del(l) => {
                    nm += l;
                    md += &format!(
                        "{run_len}^{}",
                        String::from_utf8_lossy(&refseq[r..r + l as usize])
                    );
                    run_len = 0;
                    r += l as usize;
                }
                ref other => panic!("unexpected CIGAR op {other:?}"),
            }
        }
        md += &run_len.to_string();
        let aux_nm = match rec.aux(b"NM").unwrap() {
            bam::record::Aux::U8(x) => x as u32,
            bam::record::Aux::U32(x) => x,
            other => panic!("{other:?}"),
        };
        assert_eq!(aux_nm, nm, "{qname}");
        assert_eq!(
            rec.aux(b"MD").unwrap(),
            bam::record::Aux::String(&md),
            "{qname}"
        );
        assert_eq!(rec.aux(b"RG").unwrap(), bam::record::Aux::String("agree"));
        // UMIs: the read name ends UMI1+UMI2, RX is UMI1-UMI2, MI names the
        // molecule and the strand; B-strand copies carry the UMIs swapped.
        let umi = qname.rsplit(':').next().unwrap();
        let bam::record::Aux::String(rx) = rec.aux(b"RX").unwrap() else {
            panic!()
        };
        assert_eq!(rx, umi.replace('+', "-"));
        assert_eq!(umi.len(), 17);
        let bam::record::Aux::String(mi) = rec.aux(b"MI").unwrap() else {
            panic!()
        };
        assert!(mi.ends_with("/A") || mi.ends_with("/B"), "{mi}");
    }
    assert_eq!(n, 2 * s.pairs);
    assert!(short_seen > 10 && del_seen > 0, "{short_seen} {del_seen}");
    // Duplicates: pairs − unique ~ Poisson(unique × λ), λ = 0.25 / 0.75.
    // Its sd is sqrt(unique × λ); allow 5 sd.
    let extra = (dups / 2) as f64;
    let expect = s.fragments as f64 / 3.0;
    assert_eq!(dups / 2, s.pairs - s.fragments);
    assert!(
        (extra - expect).abs() < 5.0 * expect.sqrt(),
        "{extra} vs {expect}"
    );
}

/// samtools quickcheck and flagstat accept the BAM; mpileup sees the alt.
#[test]
fn samtools_accepts_the_bam() {
    if !have_tool("samtools") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let s = run(&params(dir.path(), |p| {
        p.tumour_fraction = 0.4;
        p.duplicates = 0.1;
        p.mutations = MutationRequest::parse("KRAS_G12D,EGFR_E746_A750del").unwrap();
    }));
    let st = Command::new("samtools")
        .arg("quickcheck")
        .arg(&s.bam)
        .status()
        .unwrap();
    assert!(st.success());
    // The index built while writing is the one samtools builds.
    let bai = dir.path().join("samtools.bai");
    let st = Command::new("samtools")
        .arg("index")
        .arg("-o")
        .arg(&bai)
        .arg(&s.bam)
        .status()
        .unwrap();
    assert!(st.success());
    let ours = s.bam.with_extension("bam.bai");
    assert!(
        std::fs::read(&bai).unwrap() == std::fs::read(&ours).unwrap(),
        "{} differs from samtools index",
        ours.display()
    );
    let fs = Command::new("samtools")
        .arg("flagstat")
        .arg(&s.bam)
        .output()
        .unwrap();
    let text = String::from_utf8(fs.stdout).unwrap();
    let total = 2 * s.pairs;
    assert!(text.starts_with(&format!("{total} + 0 in total")), "{text}");
    assert!(
        text.contains(&format!("{total} + 0 properly paired (100.00% : N/A)")),
        "{text}"
    );
    assert!(
        text.contains(&format!("{} + 0 duplicates", 2 * (s.pairs - s.fragments))),
        "{text}"
    );
    assert!(text.contains("0 + 0 singletons"), "{text}");
    // KRAS G12D is C>T at chr12:25245350.
    let mp = Command::new("samtools")
        .args(["mpileup", "-r", "chr12:25245350-25245350"])
        .arg(&s.bam)
        .output()
        .unwrap();
    let line = String::from_utf8(mp.stdout).unwrap();
    let cols: Vec<&str> = line.trim_end().split('\t').collect();
    assert_eq!(cols[..2], ["chr12", "25245350"], "{line}");
    let alt = cols[4].bytes().filter(|b| matches!(b, b'T' | b't')).count();
    let g12d = s.truth.iter().find(|t| t.id == "KRAS_G12D").unwrap();
    assert!(alt > 0, "{line}");
    // mpileup counts reads (overlapping mates twice): between the alt
    // fragments and twice as many.
    assert!(
        alt as u64 >= g12d.alt_fragments / 2 && alt as u64 <= 2 * g12d.alt_fragments + 20,
        "{alt} vs {}",
        g12d.alt_fragments
    );
    // samtools sees the 15 bp deletion too (bases shown as N without -f).
    let mp = Command::new("samtools")
        .args(["mpileup", "-r", "chr7:55174771-55174771"])
        .arg(&s.bam)
        .output()
        .unwrap();
    let line = String::from_utf8(mp.stdout).unwrap();
    assert!(
        line.to_ascii_uppercase().contains("-15NNNNNNNNNNNNNNN"),
        "{line}"
    );
}

/// Bad settings fail before anything is written, with the flag named.
#[test]
fn bad_input_is_reported_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (panel, r) = demo();
    let bad = params(dir.path(), |p| {
        p.tumour_fraction = 1.5;
        p.error_rate = -1.0;
    });
    let e = simulate(&bad, &panel, r.as_ref()).unwrap_err().to_string();
    assert!(
        e.contains("--tumour-fraction") && e.contains("--error-rate"),
        "{e}"
    );
    let bad = params(dir.path(), |p| {
        p.mutations = MutationRequest::parse("KRAS_G12X").unwrap()
    });
    let e = simulate(&bad, &panel, r.as_ref()).unwrap_err().to_string();
    assert!(
        e.contains("'KRAS_G12X' is not a panel ID") && e.contains("NRAS_Q61R"),
        "{e}"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    // The binary exits non-zero with the message.
    cfspot_fails(
        &[
            "simulate",
            "-o",
            dir.path().to_str().unwrap(),
            "--mutations",
            "EGFR_T790M:2",
        ],
        &["CCF must be in (0, 1]"],
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// What a read shows at one hotspot, by the oracle's rule (see its use).
type Classify = Box<dyn Fn(&SamRead) -> Option<u8>>;

/// One read of `samtools view` text: what the oracle needs.
struct SamRead {
    qname: String,
    flag: u16,
    contig: String,
    pos: i64,
    cigar: Vec<(u8, i64)>,
    seq: Vec<u8>,
}

fn parse_sam_line(line: &str) -> SamRead {
    let f: Vec<&str> = line.split('\t').collect();
    let mut cigar = Vec::new();
    let mut n = 0i64;
    for c in f[5].bytes() {
        if c.is_ascii_digit() {
            n = n * 10 + (c - b'0') as i64;
        } else {
            cigar.push((c, n));
            n = 0;
        }
    }
    SamRead {
        qname: f[0].to_owned(),
        flag: f[1].parse().unwrap(),
        contig: f[2].to_owned(),
        pos: f[3].parse::<i64>().unwrap() - 1,
        cigar,
        seq: f[9].as_bytes().to_vec(),
    }
}

/// The read's bases over reference `[left, right]` (both inclusive), with
/// the inserted bases between them, and whether it holds an indel there.
/// `None` when the read does not align over both ends; `Some(None)` when an
/// end is deleted.
fn read_across(r: &SamRead, left: i64, right: i64) -> Option<Option<(Vec<u8>, bool)>> {
    let (mut rpos, mut q) = (r.pos, 0usize);
    let (mut out, mut indel, mut end_deleted) = (Vec::new(), false, false);
    for &(op, len) in &r.cigar {
        match op {
            b'M' | b'=' | b'X' => {
                for i in 0..len {
                    if (left..=right).contains(&(rpos + i)) {
                        out.push(r.seq[q + i as usize]);
                    }
                }
                rpos += len;
                q += len as usize;
            }
            b'I' => {
                if rpos > left && rpos <= right {
                    out.extend_from_slice(&r.seq[q..q + len as usize]);
                    indel = true;
                }
                q += len as usize;
            }
            b'D' => {
                let (lo, hi) = (rpos, rpos + len - 1);
                if lo <= right && hi >= left {
                    if lo <= left || hi >= right {
                        end_deleted = true;
                    } else {
                        indel = true;
                    }
                }
                rpos += len;
            }
            b'S' => q += len as usize,
            _ => panic!("unexpected CIGAR op {}", op as char),
        }
    }
    let first_aligned = r.pos;
    if first_aligned > left || rpos <= right {
        return None;
    }
    Some((!end_deleted).then_some((out, indel)))
}

/// An oracle for the truth: a slow, obvious recount of the written BAM from
/// `samtools view` text, sharing no code with the counter or the truth.
/// Each hotspot's region is found by brute force (every placement of the
/// edit that gives the same alt haplotype); a read counts when it aligns
/// over the region's ends; the allele is the bases it reads there.
#[test]
fn oracle_recount_of_the_bam_equals_truth() {
    if !have_tool("samtools") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let p = params(dir.path(), |p| {
        p.error_rate = 0.0;
        p.tumour_fraction = 0.3;
        p.duplicates = 0.3;
        p.seed = 23;
    });
    let s = run(&p);
    let out = Command::new("samtools")
        .arg("view")
        .arg(&s.bam)
        .output()
        .unwrap();
    assert!(out.status.success());
    let reads: Vec<SamRead> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(parse_sam_line)
        .filter(|r| r.flag & 0x400 == 0)
        .collect();
    let (panel, reference) = demo();
    assert_eq!(s.truth.len(), panel.hotspots.len());
    let mut alt_seen = 0;
    for (h, t) in panel.hotspots.iter().zip(&s.truth) {
        let pad = 60i64;
        let pos0 = h.pos as i64 - 1;
        let (rb, ab) = (h.ref_allele.as_bytes(), h.alt_allele.as_bytes());
        let w0 = pos0 - pad;
        let w = reference
            .fetch(&h.contig, w0 as u64, (pos0 + rb.len() as i64 + pad) as u64)
            .unwrap();
        let off = (pos0 - w0) as usize;
        let mut alt_hap = w[..off].to_vec();
        alt_hap.extend_from_slice(ab);
        alt_hap.extend_from_slice(&w[off + rb.len()..]);
        // What a read shows at this hotspot: Some(0) ref, Some(1) alt,
        // Some(2) other, None not covered.
        let classify: Classify = if rb.len() == ab.len() {
            // Substitution: the differing core, read base by base.
            let mut s0 = 0;
            while rb[s0] == ab[s0] {
                s0 += 1;
            }
            let mut e0 = rb.len();
            while rb[e0 - 1] == ab[e0 - 1] {
                e0 -= 1;
            }
            let (l, r) = (pos0 + s0 as i64, pos0 + e0 as i64 - 1);
            let (rc, ac) = (rb[s0..e0].to_vec(), ab[s0..e0].to_vec());
            Box::new(move |read: &SamRead| {
                let across = read_across(read, l, r)?;
                Some(match across {
                    Some((b, false)) if b == rc => 0,
                    Some((b, false)) if b == ac => 1,
                    _ => 2,
                })
            })
        } else {
            // An indel: every placement q (0-based in the window) of
            // "delete `d` bases, insert `i`" that reads the alt haplotype.
            let (mut pre, mut suf) = (0, 0);
            while pre < rb.len().min(ab.len()) && rb[pre] == ab[pre] {
                pre += 1;
            }
            while suf < (rb.len() - pre).min(ab.len() - pre)
                && rb[rb.len() - 1 - suf] == ab[ab.len() - 1 - suf]
            {
                suf += 1;
            }
            let (d, i) = (rb.len() - pre - suf, ab.len() - pre - suf);
            let (lo, hi) = if d > 0 && i > 0 {
                // Complex: taken as written.
                (off + pre, off + pre + d)
            } else {
                let places: Vec<usize> = (1..w.len() - d - 1)
                    .filter(|&q| alt_hap[..q] == w[..q] && alt_hap[q + i..] == w[q + d..])
                    .collect();
                assert!(!places.is_empty(), "{}", h.id);
                (places[0], places[places.len() - 1] + d)
            };
            let (l, r) = (w0 + lo as i64 - 1, w0 + hi as i64);
            let ref_across = w[lo - 1..=hi].to_vec();
            let alt_across = alt_hap[lo - 1..=hi + i - d].to_vec();
            assert_ne!(ref_across, alt_across);
            Box::new(move |read: &SamRead| {
                let across = read_across(read, l, r)?;
                Some(match across {
                    Some((_, false)) => 0,
                    Some((b, true)) if b == alt_across => 1,
                    _ => 2,
                })
            })
        };
        let mut fragments: HashMap<&str, [Option<u8>; 2]> = HashMap::new();
        for read in reads.iter().filter(|r| r.contig == h.contig) {
            if let Some(a) = classify(read) {
                let mate = (read.flag & 0x80 != 0) as usize;
                fragments.entry(&read.qname).or_default()[mate] = Some(a);
            }
        }
        let mut tally = [0u64; 3];
        for (q, [a, b]) in &fragments {
            if let (Some(a), Some(b)) = (a, b) {
                assert_eq!(a, b, "{}: mates of {q} disagree", h.id);
            }
            tally[a.or(*b).unwrap() as usize] += 1;
        }
        assert_eq!(
            (t.ref_fragments, t.alt_fragments, t.other_fragments),
            (tally[0], tally[1], tally[2]),
            "{}",
            h.id
        );
        assert!(t.depth > 40, "{} depth {}", h.id, t.depth);
        alt_seen += (t.alt_fragments > 0) as usize;
    }
    assert!(
        alt_seen >= 3,
        "mutated hotspots with alt fragments: {alt_seen}"
    );
}
