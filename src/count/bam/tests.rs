//! The engine's tests on small SAM fixtures written as indexed BAMs
//! (the helpers [`sam`], [`bam`] and [`kras_read`] serve other modules'
//! tests too).

use super::schedule::{fetch_passes, SHARED_WINDOW};
use super::*;
use crate::count::{CountOptions, SiteGroup, DEFAULT_EXCLUDE_FLAGS};
use crate::reference;
use rust_htslib::bam::Read as _;
use std::path::PathBuf;

pub(crate) const CONTIGS: &str = "@SQ\tSN:chr1\tLN:248956422\n@SQ\tSN:chr3\tLN:198295559\n\
    @SQ\tSN:chr7\tLN:159345973\n@SQ\tSN:chr11\tLN:135086622\n\
    @SQ\tSN:chr12\tLN:133275309\n@SQ\tSN:chr17\tLN:83257441\n";

/// Demo reference bases, 1-based inclusive.
fn demo_ref(contig: &str, from: u64, to: u64) -> String {
    let r = reference::open("demo").unwrap();
    String::from_utf8(r.fetch(contig, from - 1, to).unwrap()).unwrap()
}

/// One SAM line; quality 'I' (40) everywhere unless `qual` is given.
#[allow(clippy::too_many_arguments)]
pub(crate) fn sam(
    name: &str,
    flag: u16,
    contig: &str,
    pos: u64,
    mapq: u8,
    cigar: &str,
    pnext: u64,
    tlen: i64,
    seq: &str,
    qual: Option<&str>,
) -> String {
    let q = qual
        .map(str::to_string)
        .unwrap_or_else(|| "I".repeat(seq.len()));
    let rnext = if pnext == 0 { "*" } else { "=" };
    format!(
        "{name}\t{flag}\t{contig}\t{pos}\t{mapq}\t{cigar}\t{rnext}\t{pnext}\t{tlen}\t{seq}\t{q}\n"
    )
}

/// Write SAM text (records in coordinate order) as an indexed BAM.
pub(crate) fn bam(dir: &Path, name: &str, header: &str, records: &[String]) -> PathBuf {
    let sam_path = dir.join(format!("{name}.sam"));
    let mut text = String::from(header);
    for r in records {
        text.push_str(r);
    }
    std::fs::write(&sam_path, text).unwrap();
    let bam_path = dir.join(format!("{name}.bam"));
    let mut reader = bam::Reader::from_path(&sam_path).unwrap();
    let hdr = bam::Header::from_template(reader.header());
    let mut w = bam::Writer::from_path(&bam_path, &hdr, bam::Format::Bam).unwrap();
    for rec in reader.records() {
        w.write(&rec.unwrap()).unwrap();
    }
    drop(w);
    bam::index::build(&bam_path, None, bam::index::Type::Bai, 1).unwrap();
    bam_path
}

/// SAM records (in coordinate order, on the demo contigs) as an indexed
/// BAM in a folder of its own: the sam → bam → count sequence of the
/// tests here, written once.
struct Fixture {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl Fixture {
    fn new(name: &str, records: &[String]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let header = format!("@HD\tVN:1.6\tSO:coordinate\n{CONTIGS}");
        let path = bam(dir.path(), name, &header, records);
        Fixture { _dir: dir, path }
    }

    /// Counted on the demo panel.
    fn count(&self, opts: &CountOptions) -> (Panel, Vec<SiteCounts>) {
        let panel = Panel::demo();
        let counts = self.count_panel(&panel, opts);
        (panel, counts)
    }

    /// Count `panel` with the demo reference, as `cfspot count` does.
    fn count_panel(&self, panel: &Panel, opts: &CountOptions) -> Vec<SiteCounts> {
        let reference = reference::open("demo").unwrap();
        let r = Some(reference.as_ref());
        let input = AlignmentInput::open(&self.path, r).unwrap();
        count_bam(&input, &CountPlan::new(panel, r, opts), &Progress::new())
            .unwrap()
            .sites
    }
}

/// `records` counted on the demo panel with the default options.
fn count_records(name: &str, records: &[String]) -> (Panel, Vec<SiteCounts>) {
    Fixture::new(name, records).count(&CountOptions::default())
}

fn site<'a>(panel: &Panel, counts: &'a [SiteCounts], id: &str) -> &'a SiteCounts {
    let i = panel.hotspots.iter().position(|h| h.id == id).unwrap();
    &counts[i]
}

#[test]
fn region_reader_returns_each_overlapping_record_once() {
    let dir = tempfile::tempdir().unwrap();
    let seq = "A".repeat(50);
    // 1-based starts of 50 bp reads on chr12: r1 touches only the first
    // interval, r2 both, r3 none (between them), r4 only the second.
    let records: Vec<String> = [("r1", 1000), ("r2", 1040), ("r3", 1100), ("r4", 1160)]
        .iter()
        .map(|&(n, p)| sam(n, 0, "chr12", p, 60, "50M", 0, 0, &seq, None))
        .collect();
    let path = bam(
        dir.path(),
        "regions",
        &format!("@HD\tVN:1.6\tSO:coordinate\n{CONTIGS}"),
        &records,
    );
    let input = AlignmentInput::open(&path, None).unwrap();
    let mut reader = input.open_regions().unwrap();
    let names = |reader: &mut RegionReader, intervals: &[(i64, i64)]| {
        reader.fetch("chr12", intervals).unwrap();
        let mut record = bam::Record::new();
        let mut names = Vec::new();
        while let Some(r) = reader.read(&mut record) {
            r.unwrap();
            names.push(String::from_utf8(record.qname().to_vec()).unwrap());
        }
        names
    };
    // 0-based half-open: [1045, 1050) and [1189, 1190), given out of
    // order; each record once, in file order.
    assert_eq!(
        names(&mut reader, &[(1189, 1190), (1045, 1050)]),
        ["r1", "r2", "r4"]
    );
    // A second fetch on the same reader starts afresh.
    assert_eq!(names(&mut reader, &[(1085, 1101)]), ["r2", "r3"]);
    assert!(reader.fetch("chrUn", &[(0, 1)]).is_err());
}

#[test]
fn groups_sharing_an_index_window_are_read_in_one_pass() {
    let group = |contig: &str, start: i64, end: i64| SiteGroup {
        contig: contig.into(),
        start,
        end,
        sites: vec![],
    };
    let groups = [
        group("chr1", 100, 200),
        group("chr1", 200 + SHARED_WINDOW - 1, 200 + SHARED_WINDOW),
        group("chr1", 200 + 3 * SHARED_WINDOW, 200 + 3 * SHARED_WINDOW + 1),
        group("chr2", 300, 301),
    ];
    assert_eq!(fetch_passes(&groups), vec![vec![0, 1], vec![2], vec![3]]);
}

/// KRAS G12D is chr12:25245350 C>T. A 60 bp read from 25245321.
pub(crate) fn kras_read(alt: bool) -> String {
    let mut s = demo_ref("chr12", 25245321, 25245380).into_bytes();
    assert_eq!(s[29], b'C');
    if alt {
        s[29] = b'T';
    }
    String::from_utf8(s).unwrap()
}

/// A forward read with these flags showing KRAS G12D's alt (RNEXT `*`).
fn kras_alt_read(name: &str, flag: u16) -> String {
    sam(
        name,
        flag,
        "chr12",
        25245321,
        60,
        "60M",
        0,
        0,
        &kras_read(true),
        None,
    )
}

const R1F: u16 = 0x1 | 0x2 | 0x40 | 0x20; // paired, proper, read1, mate reverse
const R2R: u16 = 0x1 | 0x2 | 0x80 | 0x10; // paired, proper, read2, reverse

#[test]
fn overlapping_mates_count_once_and_disagreeing_mates_are_discordant() {
    // A 70 bp fragment over KRAS G12D: read 1 forward from 25245321,
    // read 2 reverse from 25245331; each mate shows alt (T) or ref (C).
    let mate2 =
        |alt: bool| kras_read(alt)[10..].to_string() + &demo_ref("chr12", 25245381, 25245390);
    let r1 = |name: &str, qual: Option<&str>| {
        sam(
            name,
            R1F,
            "chr12",
            25245321,
            60,
            "60M",
            25245331,
            70,
            &kras_read(true),
            qual,
        )
    };
    let r2 = |name: &str, alt: bool| {
        sam(
            name,
            R2R,
            "chr12",
            25245331,
            60,
            "60M",
            25245321,
            -70,
            &mate2(alt),
            None,
        )
    };
    let low_at_site = format!("{}#{}", "I".repeat(29), "I".repeat(30));
    let recs = vec![
        r1("agree", None),
        r1("disagree", None),
        r1("lowq", Some(&low_at_site)),
        r2("agree", true),
        r2("disagree", false),
        r2("lowq", false),
    ];
    let bam = Fixture::new("mates", &recs);
    let (panel, counts) = bam.count(&CountOptions::default());
    let g12d = site(&panel, &counts, "KRAS_G12D");
    // agree: one alt fragment; disagree: discordant; lowq: R1's low-quality
    // T defers to R2's confident C (ref).
    assert_eq!(
        (
            g12d.alt_count(),
            g12d.ref_count(),
            g12d.discordant,
            g12d.overlaps_merged
        ),
        (1, 1, 1, 3)
    );
    assert_eq!(
        (g12d.alt_fwd, g12d.alt_rev),
        (1, 0),
        "fragment orientation is read 1's strand"
    );
    assert_eq!(g12d.alt_lengths, [70].into_iter().collect());
    assert_eq!(g12d.bases, Some([0, 1, 0, 1, 0, 0]));
    // Read mode: every read counts, low quality kept apart.
    let reads = CountOptions {
        unit: crate::count::Unit::Read,
        ..CountOptions::default()
    };
    let (_, counts) = bam.count(&reads);
    let g12d = site(&panel, &counts, "KRAS_G12D");
    assert_eq!(
        (
            g12d.alt_count(),
            g12d.ref_count(),
            g12d.low_quality,
            g12d.discordant
        ),
        (3, 2, 1, 0)
    );
    assert_eq!(
        (g12d.alt_fwd, g12d.alt_rev, g12d.ref_rev),
        (2, 1, 2),
        "read mode keeps each read's strand"
    );
}

#[test]
fn each_filter_drops_its_reads() {
    let alt = kras_read(true);
    let recs: Vec<String> = [
        ("dup", 0x400u16, 60u8),
        ("secondary", 0x100, 60),
        ("qcfail", 0x200, 60),
        ("supplementary", 0x800, 60),
        ("lowmapq", 0, 19),
        ("okmapq", 0, 20),
    ]
    .iter()
    .map(|(n, f, q)| sam(n, *f, "chr12", 25245321, *q, "60M", 0, 0, &alt, None))
    .collect();
    let bam = Fixture::new("filters", &recs);
    let (panel, counts) = bam.count(&CountOptions::default());
    assert_eq!(site(&panel, &counts, "KRAS_G12D").alt_count(), 1);
    for (bit, expect) in [(0x400u16, 2), (0x100, 2), (0x200, 2), (0x800, 2)] {
        let opts = CountOptions {
            exclude_flags: DEFAULT_EXCLUDE_FLAGS & !bit,
            ..CountOptions::default()
        };
        let (_, counts) = bam.count(&opts);
        assert_eq!(
            site(&panel, &counts, "KRAS_G12D").alt_count(),
            expect,
            "keep {bit:#x}"
        );
    }
    let opts = CountOptions {
        min_mapq: 0,
        ..CountOptions::default()
    };
    assert_eq!(
        site(&panel, &bam.count(&opts).1, "KRAS_G12D").alt_count(),
        2
    );
    let opts = CountOptions {
        include_flags: 0x400,
        exclude_flags: 0,
        ..CountOptions::default()
    };
    assert_eq!(
        site(&panel, &bam.count(&opts).1, "KRAS_G12D").alt_count(),
        1
    );
}

#[test]
fn egfr_deletion_and_overlapping_mnv() {
    // EGFR_E746_A750del: chr7:55174771 AGGAATTAAGAGAAGC>A deletes 55174772-55174786.
    // EGFR_L747P: chr7:55174776 TT>CC, inside that deletion.
    let (a, b) = (55174741u64, 55174830u64);
    let refseq = demo_ref("chr7", a, b);
    let off = |p: u64| (p - a) as usize;
    let del = format!("{}{}", &refseq[..=off(55174771)], &refseq[off(55174787)..]);
    let mut mnv = refseq.clone().into_bytes();
    assert_eq!(&mnv[off(55174776)..=off(55174777)], b"TT");
    mnv[off(55174776)] = b'C';
    mnv[off(55174777)] = b'C';
    let mnv = String::from_utf8(mnv).unwrap();
    let end_in_mnv = &refseq[..=off(55174776)];
    let n_before = off(55174771) + 1;
    let recs = vec![
        sam(
            "ref",
            0,
            "chr7",
            a,
            60,
            &format!("{}M", refseq.len()),
            0,
            0,
            &refseq,
            None,
        ),
        sam(
            "del",
            0,
            "chr7",
            a,
            60,
            &format!("{}M15D{}M", n_before, del.len() - n_before),
            0,
            0,
            &del,
            None,
        ),
        sam(
            "mnv",
            0,
            "chr7",
            a,
            60,
            &format!("{}M", mnv.len()),
            0,
            0,
            &mnv,
            None,
        ),
        sam(
            "short",
            0,
            "chr7",
            a,
            60,
            &format!("{}M", end_in_mnv.len()),
            0,
            0,
            end_in_mnv,
            None,
        ),
    ];
    let (panel, counts) = count_records("egfr", &recs);
    let d = site(&panel, &counts, "EGFR_E746_A750del");
    let m = site(&panel, &counts, "EGFR_L747P");
    // Deletion site: the ref read and the MNV read carry no indel, so both
    // read REF; the deletion read is ALT. The short read ends inside.
    assert_eq!(
        (d.ref_count(), d.alt_count(), d.other, d.depth()),
        (2, 1, 0, 3)
    );
    // MNV site: ref → ref, MNV → alt, deletion → other; the short read ends inside.
    assert_eq!(
        (m.ref_count(), m.alt_count(), m.other, m.depth()),
        (1, 1, 1, 3)
    );
    assert_eq!(m.bases, None);
}

#[test]
fn identical_for_any_thread_count_and_in_panel_order() {
    let mut recs = Vec::new();
    for i in 0..40 {
        recs.push(sam(
            &format!("r{i}"),
            0,
            "chr12",
            25245321,
            60,
            "60M",
            0,
            0,
            &kras_read(i % 3 == 0),
            None,
        ));
    }
    let bam = Fixture::new("threads", &recs);
    let (panel, one) = bam.count(&CountOptions::default());
    for threads in [2, 3, 8] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let many = pool.install(|| bam.count(&CountOptions::default()).1);
        assert_eq!(one, many, "{threads} threads");
    }
    assert_eq!(site(&panel, &one, "KRAS_G12D").alt_count(), 14);
    assert_eq!(site(&panel, &one, "KRAS_G12V").alt_count(), 0);
    assert_eq!(site(&panel, &one, "KRAS_G12V").depth(), 40);
    let mut tsv = Vec::new();
    let settings = crate::count::CountSettings::aligned(&CountOptions::default());
    crate::report::count_tsv::write(&mut tsv, &panel.hotspots, &one, &settings).unwrap();
    let ids: Vec<String> = String::from_utf8(tsv)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split('\t').next().unwrap().to_string())
        .collect();
    let want: Vec<String> = panel.hotspots.iter().map(|h| h.id.clone()).collect();
    assert_eq!(ids, want);
}

#[test]
fn reads_without_usable_sequence_are_skipped_and_tallied() {
    let dir = tempfile::tempdir().unwrap();
    let alt = kras_read(true);
    let header = format!("@HD\tVN:1.6\tSO:coordinate\n{CONTIGS}");
    let recs = vec![
        // SEQ `*`: no allele, tallied.
        sam(
            "noseq",
            0,
            "chr12",
            25245321,
            60,
            "60M",
            0,
            0,
            "*",
            Some("*"),
        ),
        // QUAL `*` passes -Q 20, as in samtools mpileup.
        sam(
            "noqual",
            0,
            "chr12",
            25245321,
            60,
            "60M",
            0,
            0,
            &alt,
            Some("*"),
        ),
        // The largest TLEN SAM allows; its mate never comes.
        sam(
            "tlen",
            R1F,
            "chr12",
            25245321,
            60,
            "60M",
            25245321,
            -2147483647,
            &alt,
            None,
        ),
        // A mapped read with CIGAR `*`, on G12D itself: htslib's SAM
        // parser flags it unmapped (so it is neither primary nor
        // counted); as a binary record it would span no reference base
        // and show no allele either.
        sam("nocigar", 0, "chr12", 25245350, 60, "*", 0, 0, &alt, None),
    ];
    let path = bam(dir.path(), "noseq", &header, &recs);
    let panel = Panel::demo();
    let reference = reference::open("demo").unwrap();
    let input = AlignmentInput::open(&path, Some(reference.as_ref())).unwrap();
    let plan = CountPlan::new(&panel, None, &CountOptions::default());
    let counted = count_bam(&input, &plan, &Progress::new()).unwrap();
    let g12d = site(&panel, &counted.sites, "KRAS_G12D");
    assert_eq!((g12d.alt_count(), g12d.depth()), (2, 2));
    assert_eq!(g12d.alt_lengths, [2147483647].into_iter().collect());
    let reads = counted.reads;
    assert_eq!((reads.primary, reads.no_sequence), (3, 1));
}

#[test]
fn sites_beyond_a_contig_and_references_of_other_lengths_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let seq = kras_read(true);
    let path = bam(
        dir.path(),
        "short",
        "@HD\tVN:1.6\tSO:coordinate\n@SQ\tSN:c1\tLN:60\n",
        &[sam("a", 0, "c1", 1, 60, "60M", 0, 0, &seq, None)],
    );
    let input = AlignmentInput::open(&path, None).unwrap();
    let tsv = dir.path().join("panel.tsv");
    let count_with = |rows: &str, reference: Option<&dyn Reference>| {
        std::fs::write(&tsv, format!("contig\tpos\tref\talt\n{rows}")).unwrap();
        let panel = Panel::load(tsv.to_str().unwrap()).unwrap();
        let plan = CountPlan::new(&panel, reference, &CountOptions::default());
        count_bam(&input, &plan, &Progress::new())
    };
    // The last base (60) counts; a site at 61, or a deletion whose REF
    // runs past 60, does not.
    let last = &seq[59..60];
    assert!(count_with(&format!("c1\t60\t{last}\tN\n"), None).is_ok());
    for (row, line) in [
        ("c1\t10\tA\tT\nc1\t61\tA\tT\n".to_string(), 3),
        (format!("c1\t59\t{}A\t{}\n", &seq[58..60], &seq[58..59]), 2),
    ] {
        let e = count_with(&row, None).unwrap_err();
        assert!(matches!(e, CountError::BeyondContig { .. }), "{e}");
        let msg = e.to_string();
        assert!(
            msg.contains(&format!("panel.tsv:{line}"))
                && msg.contains("60 bp long in the header of"),
            "{msg}"
        );
    }
    // A reference whose c1 is 61 bp: another assembly.
    let fa = dir.path().join("ref.fa");
    std::fs::write(&fa, format!(">c1\n{seq}A\n")).unwrap();
    let r = reference::open(fa.to_str().unwrap()).unwrap();
    let e = count_with(&format!("c1\t60\t{last}\tN\n"), Some(r.as_ref())).unwrap_err();
    assert!(
        matches!(e, CountError::ReferenceLengthMismatch { .. }),
        "{e}"
    );
    assert!(e.to_string().contains("61 bp long in the reference"), "{e}");
}

#[test]
fn bad_inputs_give_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let reference = reference::open("demo").unwrap();
    let r = Some(reference.as_ref());
    let recs = vec![kras_alt_read("a", 0)];
    let good = bam(
        dir.path(),
        "good",
        &format!("@HD\tVN:1.6\tSO:coordinate\n{CONTIGS}"),
        &recs,
    );

    // Truncated: cut the last bytes off.
    let bytes = std::fs::read(&good).unwrap();
    let cut = dir.path().join("cut.bam");
    std::fs::write(&cut, &bytes[..bytes.len() - 30]).unwrap();
    let e = AlignmentInput::open(&cut, r).unwrap_err();
    assert!(matches!(e, CountError::Truncated { .. }), "{e}");
    assert!(e.to_string().contains("cut.bam"));

    // Missing index: built beside the file.
    let noidx = dir.path().join("noidx.bam");
    std::fs::copy(&good, &noidx).unwrap();
    let input = AlignmentInput::open(&noidx, r).unwrap();
    assert!(input.index_built);
    assert!(dir.path().join("noidx.bam.bai").exists());

    // The header says SO:unsorted but the records are sorted: the
    // records decide (samtools indexes it too), with an index or without.
    let unsorted = bam(
        dir.path(),
        "unsorted",
        &format!("@HD\tVN:1.6\tSO:unsorted\n{CONTIGS}"),
        &recs,
    );
    assert!(!AlignmentInput::open(&unsorted, r).unwrap().index_built);
    std::fs::remove_file(dir.path().join("unsorted.bam.bai")).unwrap();
    assert!(AlignmentInput::open(&unsorted, r).unwrap().index_built);

    // Really unsorted, no header claim, no index: indexing fails.
    let a = sam(
        "x",
        0,
        "chr12",
        25245400,
        60,
        "10M",
        0,
        0,
        "ACGTACGTAC",
        None,
    );
    let b = sam(
        "y",
        0,
        "chr12",
        25245300,
        60,
        "10M",
        0,
        0,
        "ACGTACGTAC",
        None,
    );
    let sam_path = dir.path().join("mess.sam");
    std::fs::write(&sam_path, format!("{CONTIGS}{a}{b}")).unwrap();
    let mess = dir.path().join("mess.bam");
    {
        let mut reader = bam::Reader::from_path(&sam_path).unwrap();
        let hdr = bam::Header::from_template(reader.header());
        let mut w = bam::Writer::from_path(&mess, &hdr, bam::Format::Bam).unwrap();
        for rec in reader.records() {
            w.write(&rec.unwrap()).unwrap();
        }
    }
    let e = AlignmentInput::open(&mess, r).unwrap_err();
    assert!(matches!(e, CountError::Unsorted { .. }), "{e}");
    assert!(
        e.to_string()
            .contains("record 2 (y) at chr12:25245300 follows one at chr12:25245400"),
        "{e}"
    );
    assert!(e.to_string().contains("samtools sort"));

    // SAM text, and CRAM without a reference.
    let e = AlignmentInput::open(&sam_path, r).unwrap_err();
    assert!(matches!(e, CountError::SamText { .. }), "{e}");
    let cram = dir.path().join("x.cram");
    std::fs::write(&cram, b"CRAM\x03\x00rest").unwrap();
    let e = AlignmentInput::open(&cram, r).unwrap_err();
    assert!(e.to_string().contains("--reference"), "{e}");

    // Contigs named the Ensembl way.
    let ens = bam(
        dir.path(),
        "ensembl",
        "@HD\tVN:1.6\tSO:coordinate\n@SQ\tSN:12\tLN:133275309\n",
        &[sam(
            "a",
            0,
            "12",
            25245321,
            60,
            "60M",
            0,
            0,
            &kras_read(true),
            None,
        )],
    );
    let input = AlignmentInput::open(&ens, r).unwrap();
    let panel = Panel::demo();
    let plan = CountPlan::new(&panel, r, &CountOptions::default());
    let e = count_bam(&input, &plan, &Progress::new()).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("chr12") && msg.contains("ensembl.bam"),
        "{msg}"
    );
    assert!(
        matches!(e, CountError::ContigsMissing { hint: Some(_), .. }),
        "{msg}"
    );
}

/// EGFR_E746_A750del (chr7:55174771 AGGAATTAAGAGAAGC>A) deletes
/// 55174772-55174786. The deletion haplotype from `from` (1-based) on:
/// `before` bases up to 55174771, then `after` bases from 55174787.
fn egfr_del_read(before: u64, after: u64) -> String {
    demo_ref("chr7", 55174772 - before, 55174771) + &demo_ref("chr7", 55174787, 55174786 + after)
}

#[test]
fn deletions_written_as_soft_clips_count_as_alt() {
    // bwa mem's two ways of writing the deletion near a read end: the
    // bases past it clipped (`112M15S`), or those before it (`16S122M`).
    let right = egfr_del_read(112, 15);
    let left = egfr_del_read(16, 122);
    // A reference read whose last 15 bases are neither haplotype
    // (adapter, say): re-placed, it still does not reach the far
    // anchor, so it is not counted at the deletion.
    let junk = demo_ref("chr7", 55174660, 55174771) + "TTTTTTTTTTTTTTT";
    let recs = vec![
        sam(
            "right", 0, "chr7", 55174660, 60, "112M15S", 0, 0, &right, None,
        ),
        sam(
            "junk", 0, "chr7", 55174660, 60, "112M15S", 0, 0, &junk, None,
        ),
        sam(
            "left", 16, "chr7", 55174787, 60, "16S122M", 0, 0, &left, None,
        ),
    ];
    let bam = Fixture::new("delclip", &recs);
    let (panel, counts) = bam.count(&CountOptions::default());
    let d = site(&panel, &counts, "EGFR_E746_A750del");
    assert_eq!((d.alt_count(), d.depth()), (2, 2));
    assert_eq!((d.alt_fwd, d.alt_rev), (1, 1), "each read keeps its strand");
    // The MNV inside the deletion: both clipped deletion reads show a
    // deleted MNV (`other`) once placed; the junk read ends before it.
    let m = site(&panel, &counts, "EGFR_L747P");
    assert_eq!((m.alt_count(), m.other, m.depth()), (0, 2, 2));
    // Without a reference nothing is re-placed: the CIGARs stand, and
    // neither clipped read spans the deletion.
    let input = AlignmentInput::open(&bam.path, None).unwrap();
    let plan = CountPlan::new(&panel, None, &CountOptions::default());
    let bare = count_bam(&input, &plan, &Progress::new()).unwrap().sites;
    assert_eq!(site(&panel, &bare, "EGFR_E746_A750del").depth(), 0);
}

#[test]
fn a_read_ending_one_base_past_the_deletion_counts_as_alt() {
    // bwa mem keeps a single mismatching last base aligned (a mismatch
    // costs 4, a clip 5): a read with 70 bases before the EGFR deletion
    // and 1 after comes as `71M`, its aligned bases ending inside the
    // deletion's footprint. Placed (as FASTQ mode places it) its last
    // base is the far anchor: ALT.
    let read = egfr_del_read(70, 1);
    assert_ne!(
        demo_ref("chr7", 55174772, 55174772),
        demo_ref("chr7", 55174787, 55174787),
        "the last base is a mismatch on the reference"
    );
    let recs = vec![sam(
        "one", 0, "chr7", 55174702, 60, "71M", 0, 0, &read, None,
    )];
    let (panel, counts) = count_records("onepast", &recs);
    let d = site(&panel, &counts, "EGFR_E746_A750del");
    assert_eq!((d.alt_count(), d.depth()), (1, 1));
}

#[test]
fn an_mnv_written_as_a_soft_clip_counts_as_alt() {
    // EGFR_L747P: chr7:55174776 TT>CC. A read from 55174700 to
    // 55174785 carrying CC, with the two mismatches and what follows
    // clipped (`76M10S`), as an aligner writes it; and the same read
    // clipped at its start (`10S..`) in the other orientation.
    let mut mnv = demo_ref("chr7", 55174700, 55174785).into_bytes();
    let at = (55174776 - 55174700) as usize;
    assert_eq!(&mnv[at..at + 2], b"TT");
    mnv[at] = b'C';
    mnv[at + 1] = b'C';
    let mnv = String::from_utf8(mnv).unwrap();
    let mut left = demo_ref("chr7", 55174766, 55174860).into_bytes();
    let at = (55174776 - 55174766) as usize;
    left[at] = b'C';
    left[at + 1] = b'C';
    let left = String::from_utf8(left).unwrap();
    let recs = vec![
        sam("right", 0, "chr7", 55174700, 60, "76M10S", 0, 0, &mnv, None),
        sam(
            "left", 16, "chr7", 55174778, 60, "12S83M", 0, 0, &left, None,
        ),
    ];
    let (panel, counts) = count_records("mnvclip", &recs);
    let m = site(&panel, &counts, "EGFR_L747P");
    assert_eq!((m.alt_count(), m.depth()), (2, 2));
}

#[test]
fn an_insertion_written_as_a_soft_clip_counts_as_alt() {
    // A panel insertion of 9 bases after chr12:25245300 (in the demo
    // reference's KRAS window), and a read carrying it with the
    // inserted bases and the 6 after them clipped (`50M15S`).
    let mut panel = Panel::demo();
    let anchor = demo_ref("chr12", 25245300, 25245300);
    let inserted = "GATTACAGA";
    panel.hotspots.push(crate::panel::Hotspot {
        contig: "chr12".into(),
        pos: 25245300,
        ref_allele: anchor.clone(),
        alt_allele: format!("{anchor}{inserted}"),
        id: "TEST_INS".into(),
        gene: "KRAS".into(),
        label: String::new(),
        origin: "test".into(),
    });
    let read =
        demo_ref("chr12", 25245251, 25245300) + inserted + &demo_ref("chr12", 25245301, 25245306);
    let full =
        demo_ref("chr12", 25245251, 25245300) + inserted + &demo_ref("chr12", 25245301, 25245340);
    let recs = vec![
        sam(
            "clipped", 0, "chr12", 25245251, 60, "50M15S", 0, 0, &read, None,
        ),
        sam(
            "written", 0, "chr12", 25245251, 60, "50M9I40M", 0, 0, &full, None,
        ),
    ];
    let bam = Fixture::new("insclip", &recs);
    let counts = bam.count_panel(&panel, &CountOptions::default());
    let i = site(&panel, &counts, "TEST_INS");
    assert_eq!((i.alt_count(), i.depth()), (2, 2));
}

#[test]
fn mates_without_rnext_merge_by_name() {
    // Both mates of one fragment over KRAS G12D with RNEXT `*` (the
    // `sam` helper writes `*` for PNEXT 0): one fragment, not two.
    let mate2 = kras_read(true)[10..].to_string() + &demo_ref("chr12", 25245381, 25245390);
    let recs = vec![
        kras_alt_read("frag", 0x1 | 0x40),
        // A pair whose other mate is missing from the file counts alone.
        kras_alt_read("lone", 0x1 | 0x40),
        sam(
            "frag",
            0x1 | 0x80 | 0x10,
            "chr12",
            25245331,
            60,
            "60M",
            0,
            0,
            &mate2,
            None,
        ),
    ];
    let (panel, counts) = count_records("rnext", &recs);
    let g12d = site(&panel, &counts, "KRAS_G12D");
    assert_eq!((g12d.alt_count(), g12d.overlaps_merged), (2, 1));
}

#[test]
fn base_codes_are_the_bases_codes() {
    // An odd length (the last byte's low nibble is padding) and IUPAC
    // letters, which have no code.
    let seq = b"ACGTNMRAC";
    let mut r = bam::Record::new();
    r.set(b"r", None, seq, &[30; 9]);
    let mut codes = Vec::new();
    r.base_codes_into(&mut codes);
    assert_eq!(codes, [0, 1, 2, 3, 4, 4, 4, 0, 1]);
    let mut quals = Vec::new();
    r.quals_into(&mut quals);
    assert_eq!(quals, [30; 9]);
}
