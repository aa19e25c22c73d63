//! Hotspot panels: the sites cfspot looks at.
//!
//! A panel is read from VCF (plain, gzip or bgzip), from a TSV with a header
//! (`contig pos ref alt`, optional `id gene label`), or from BED (positions
//! only; the reference bases are filled in by [`Panel::resolve`]). The format
//! is detected from the content, see [`Panel::from_path`]. Every problem of a
//! file is reported together, each as `FILE:LINE: what is wrong (what to do)`.
use crate::reference::{list_names, list_problems, Reference, ReferenceError};
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

const DEMO_VCF: &str = include_str!("../assets/demo/hotspots.vcf");

/// A BED panel may expand to at most this many positions.
pub const MAX_BED_POSITIONS: u64 = 10_000;

/// One hotspot allele. `pos` is 1-based, VCF-style (indels carry their anchor base).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hotspot {
    pub contig: String,
    pub pos: u64,
    /// Reference allele, upper-case ACGTN. Empty until resolved for BED sites.
    pub ref_allele: String,
    /// Alternate allele, upper-case ACGTN, or "." for a BED (position-only) site.
    pub alt_allele: String,
    pub id: String,
    /// Gene symbol, "" when the panel has none.
    pub gene: String,
    /// Protein change (VCF INFO/HGVSP) or TSV `label`, "" when none.
    pub label: String,
    /// Where the hotspot came from: "FILE:LINE" (or "demo:LINE").
    pub origin: String,
}

impl Hotspot {
    /// A one-base site: REF of length 1 and an ALT of length 1 or "." (position only).
    pub fn is_single_base(&self) -> bool {
        self.ref_allele.len() == 1 && (self.alt_allele.len() == 1 || self.alt_allele == ".")
    }

    /// A position-only site (from BED): ALT is ".".
    pub fn is_position_only(&self) -> bool {
        self.alt_allele == "."
    }

    /// 1-based inclusive last reference position the REF allele covers
    /// (`pos` itself while REF is still empty).
    pub fn end(&self) -> u64 {
        self.pos + (self.ref_allele.len().max(1) as u64) - 1
    }
}

#[derive(Debug, Clone)]
pub struct Panel {
    /// The path, or "demo" for the embedded panel.
    pub source: String,
    pub hotspots: Vec<Hotspot>,
    /// (name, length) from VCF `##contig` lines, in file order; empty when unknown.
    /// `##contig` lines without a `length` are left out.
    pub contigs: Vec<(String, u64)>,
}

#[derive(Debug, thiserror::Error)]
pub enum PanelError {
    #[error("cannot read panel {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("panel {path} has {} problem(s):\n{}", problems.len(), list_problems(problems))]
    Invalid { path: String, problems: Vec<String> },
    #[error("panel {path} holds no hotspots")]
    Empty { path: String },
    /// The panel does not fit the reference: REF mismatches, contigs or
    /// positions the reference lacks. Every problem is listed.
    #[error(
        "panel {path} does not match reference {reference}; {} problem(s):\n{}",
        problems.len(),
        list_problems(problems)
    )]
    Reference {
        path: String,
        reference: String,
        problems: Vec<String>,
    },
    /// A BED (position-only) panel needs a reference to learn its REF bases.
    #[error(
        "panel {path} is a BED file (positions only): cfspot needs the reference bases at \
         those positions; give the reference with --reference FASTA"
    )]
    NeedsReference { path: String },
}

/// The file formats a panel can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PanelFormat {
    Vcf,
    Tsv,
    Bed,
}

impl Panel {
    /// The embedded demo panel (31 GRCh38 hotspots), source "demo".
    pub fn demo() -> Panel {
        Panel::from_bytes("demo", DEMO_VCF.as_bytes())
            .expect("the embedded demo panel is valid (checked by unit tests)")
    }

    /// `demo` for the embedded panel, otherwise a path.
    pub fn load(spec: &str) -> Result<Panel, PanelError> {
        if spec == "demo" {
            return Ok(Panel::demo());
        }
        Panel::from_path(Path::new(spec))
    }

    /// Reads a panel file: VCF, TSV or BED, optionally gzip/bgzip-compressed.
    ///
    /// Format detection, by content: VCF when a line starts with
    /// `##fileformat=VCF` or `#CHROM`; TSV when the first non-empty line not
    /// starting with `##` is a tab-separated header naming `contig` and
    /// `pos` (a leading `#` is allowed; `chrom` and `position` are accepted
    /// too); BED when the name ends in `.bed`/`.bed.gz` or the first data
    /// line has 3+ columns with integer start and end.
    pub fn from_path(path: &Path) -> Result<Panel, PanelError> {
        let io = |source| PanelError::Io {
            path: path.to_path_buf(),
            source,
        };
        if path.is_dir() {
            return Err(io(std::io::Error::other(
                "it is a folder; give a VCF, TSV or BED file",
            )));
        }
        let bytes = std::fs::read(path).map_err(io)?;
        Panel::from_bytes(&path.display().to_string(), &bytes)
    }

    /// Parses a panel from the bytes of a file (possibly gzip-compressed);
    /// `source` is the file name used in messages and origins.
    pub fn from_bytes(source: &str, bytes: &[u8]) -> Result<Panel, PanelError> {
        let decompressed;
        let bytes = if crate::gzip::is_gzip(bytes) {
            let mut out = Vec::new();
            if let Err(e) = flate2::read::MultiGzDecoder::new(bytes).read_to_end(&mut out) {
                return Err(PanelError::Io {
                    path: PathBuf::from(source),
                    source: std::io::Error::new(
                        e.kind(),
                        format!("cannot decompress it: {e} (is the file complete?)"),
                    ),
                });
            }
            decompressed = out;
            &decompressed[..]
        } else {
            bytes
        };
        let text = match std::str::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let line = bytes[..e.valid_up_to()]
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count()
                    + 1;
                return Err(PanelError::Invalid {
                    path: source.to_string(),
                    problems: vec![format!(
                        "{source}:{line}: not UTF-8 text (is it a binary file such as a BAM? \
                         give a VCF, TSV or BED file)"
                    )],
                });
            }
        };
        let lines: Vec<&str> = text
            .split('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l))
            .collect();
        let format = detect_format(source, &lines).ok_or_else(|| PanelError::Invalid {
            path: source.to_string(),
            problems: vec![format!(
                "{source}: cannot tell the panel format. cfspot reads: VCF (a \
                 '##fileformat=VCF' or '#CHROM' header line, then CHROM POS ID REF ALT ... \
                 records); TSV (a tab-separated header line naming at least the columns \
                 'contig pos ref alt', optional 'id gene label'); or BED (name ending in \
                 .bed, tab-separated 'contig start end [name]', 0-based start, end exclusive)"
            )],
        })?;
        let mut parser = Parser::new(source);
        match format {
            PanelFormat::Vcf => parser.vcf(&lines),
            PanelFormat::Tsv => parser.tsv(&lines),
            PanelFormat::Bed => parser.bed(&lines),
        }
        parser.finish()
    }

    /// Fills the REF bases of BED (position-only) sites from the reference,
    /// and checks every hotspot's REF against it. All problems (REF
    /// mismatches, contigs or positions the reference lacks) are listed in
    /// one error. With no reference this only fails for BED sites.
    pub fn resolve(&mut self, reference: Option<&dyn Reference>) -> Result<(), PanelError> {
        let Some(reference) = reference else {
            if self.hotspots.iter().any(|h| h.ref_allele.is_empty()) {
                return Err(PanelError::NeedsReference {
                    path: self.source.clone(),
                });
            }
            return Ok(());
        };
        let ref_name = reference.describe();
        let available = reference.contig_names();
        let mut problems = Vec::new();
        // Missing contigs are reported once per contig.
        let mut missing: Vec<(String, Vec<usize>)> = Vec::new();
        let mut filled: Vec<(usize, String)> = Vec::new();
        for (i, h) in self.hotspots.iter().enumerate() {
            if !reference.has_contig(&h.contig) {
                match missing.iter_mut().find(|(c, _)| *c == h.contig) {
                    Some((_, v)) => v.push(i),
                    None => missing.push((h.contig.clone(), vec![i])),
                }
                continue;
            }
            if h.pos == 0 {
                problems.push(format!(
                    "{} ({}): position 0 (positions are 1-based)",
                    h.id, h.origin
                ));
                continue;
            }
            let len = h.ref_allele.len().max(1) as u64;
            let start = h.pos - 1;
            let bases = match reference.fetch(&h.contig, start, start + len) {
                Ok(b) => b,
                Err(e) => {
                    let why = match e {
                        ReferenceError::OutOfRange(m) => m,
                        other => other.to_string(),
                    };
                    problems.push(format!("{} ({}): {why}", h.id, h.origin));
                    continue;
                }
            };
            // IUPAC codes other than ACGT read as N.
            let bases: String = bases
                .iter()
                .map(|b| match b {
                    b'A' | b'C' | b'G' | b'T' => *b as char,
                    _ => 'N',
                })
                .collect();
            if h.ref_allele.is_empty() {
                filled.push((i, bases));
            } else if h.ref_allele != bases {
                problems.push(format!(
                    "{} ({}) {}:{} REF {} but the reference has {}",
                    h.id, h.origin, h.contig, h.pos, h.ref_allele, bases
                ));
            }
        }
        for (contig, idx) in &missing {
            let first = &self.hotspots[idx[0]];
            let mut msg = format!(
                "contig '{contig}' ({} hotspot(s), first {} at {}) is not in {ref_name}",
                idx.len(),
                first.id,
                first.origin
            );
            match contig_style_hint_in(contig, &available, &ref_name) {
                Some(hint) => {
                    msg.push_str("; ");
                    msg.push_str(&hint);
                }
                None => {
                    msg.push_str(&format!(
                        " (its contigs: {}); use the reference the panel was made for",
                        list_names(&available)
                    ));
                }
            }
            problems.push(msg);
        }
        if !problems.is_empty() {
            return Err(PanelError::Reference {
                path: self.source.clone(),
                reference: ref_name,
                problems,
            });
        }
        for (i, bases) in filled {
            self.hotspots[i].ref_allele = bases;
        }
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.hotspots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.hotspots.is_empty()
    }
}

/// Explains a contig-naming mismatch between a panel and another file
/// (reference, BAM): `chr12` vs `12` (UCSC vs Ensembl style), `chrM` vs `MT`,
/// or a difference in case only. None when `name` is in `available` or no
/// style explains it. The text says "the other file"; use
/// [`contig_style_hint_in`] to name the file.
pub fn contig_style_hint(name: &str, available: &[String]) -> Option<String> {
    contig_style_hint_in(name, available, "the other file")
}

/// Like [`contig_style_hint`], naming the file that holds `available`
/// (e.g. "the panel names contigs like 'chr12' but ref.fa names them like '12'
/// (UCSC vs Ensembl style); rename one of them").
pub fn contig_style_hint_in(name: &str, available: &[String], file: &str) -> Option<String> {
    if available.iter().any(|a| a == name) {
        return None;
    }
    let msg = |other: &str| {
        format!(
            "the panel names contigs like '{name}' but {file} names them like '{other}' \
             (UCSC vs Ensembl style); rename one of them"
        )
    };
    let has = |n: &str| available.iter().any(|a| a == n);
    let stripped = strip_chr(name);
    // Mitochondrion: chrM (UCSC) vs MT (Ensembl).
    let is_mito = |n: &str| matches!(n, "chrM" | "chrMT" | "M" | "MT");
    if is_mito(name) {
        if let Some(other) = available.iter().find(|a| is_mito(a)) {
            return Some(msg(other));
        }
    }
    if let Some(s) = stripped {
        if has(s) {
            return Some(msg(s));
        }
    } else {
        let with = format!("chr{name}");
        if has(&with) {
            return Some(msg(&with));
        }
    }
    if let Some(other) = available.iter().find(|a| a.eq_ignore_ascii_case(name)) {
        return Some(format!(
            "the panel names this contig '{name}' but {file} names it '{other}' \
             (names differ in case only); rename one of them"
        ));
    }
    // The contig is absent, but the styles still differ: say so.
    let panel_chr = stripped.is_some();
    let ref_chr = available.iter().filter(|a| strip_chr(a).is_some()).count();
    if !available.is_empty() {
        if panel_chr && ref_chr == 0 {
            return Some(msg(&available[0]));
        }
        if !panel_chr && ref_chr == available.len() && looks_like_chromosome(name) {
            return Some(msg(&available[0]));
        }
    }
    None
}

fn strip_chr(name: &str) -> Option<&str> {
    let s = name.strip_prefix("chr")?;
    (!s.is_empty()).then_some(s)
}

/// "1".."22", X, Y, M, MT: names that would carry "chr" in UCSC style.
fn looks_like_chromosome(name: &str) -> bool {
    matches!(name, "X" | "Y" | "M" | "MT")
        || (!name.is_empty() && name.len() <= 2 && name.bytes().all(|b| b.is_ascii_digit()))
}

fn detect_format(source: &str, lines: &[&str]) -> Option<PanelFormat> {
    if lines
        .iter()
        .any(|l| l.starts_with("##fileformat=VCF") || l.starts_with("#CHROM"))
    {
        return Some(PanelFormat::Vcf);
    }
    if let Some(first) = lines
        .iter()
        .map(|l| l.trim())
        .find(|l| !l.is_empty() && !l.starts_with("##"))
    {
        let cols = tsv_header_columns(first);
        if cols.contains_key(&Column::Contig) && cols.contains_key(&Column::Pos) {
            return Some(PanelFormat::Tsv);
        }
    }
    let lower = source.to_ascii_lowercase();
    if lower.ends_with(".bed") || lower.ends_with(".bed.gz") || lower.ends_with(".bed.bgz") {
        return Some(PanelFormat::Bed);
    }
    let first_data = lines.iter().map(|l| l.trim()).find(|l| {
        !l.is_empty() && !l.starts_with('#') && !l.starts_with("track") && !l.starts_with("browser")
    })?;
    let cols = split_bed(first_data);
    if cols.len() >= 3 && cols[1].parse::<u64>().is_ok() && cols[2].parse::<u64>().is_ok() {
        return Some(PanelFormat::Bed);
    }
    None
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Column {
    Contig,
    Pos,
    Ref,
    Alt,
    Id,
    Gene,
    Label,
}

/// Maps known column names (case-insensitive, leading '#' ignored) to their index.
fn tsv_header_columns(line: &str) -> HashMap<Column, usize> {
    let mut map = HashMap::new();
    for (i, name) in line.split('\t').enumerate() {
        let name = name.trim().trim_start_matches('#').to_ascii_lowercase();
        let col = match name.as_str() {
            "contig" | "chrom" | "chromosome" => Column::Contig,
            "pos" | "position" => Column::Pos,
            "ref" => Column::Ref,
            "alt" => Column::Alt,
            "id" => Column::Id,
            "gene" => Column::Gene,
            "label" => Column::Label,
            _ => continue,
        };
        map.entry(col).or_insert(i);
    }
    map
}

fn split_bed(line: &str) -> Vec<&str> {
    if line.contains('\t') {
        line.split('\t').map(str::trim).collect()
    } else {
        line.split_whitespace().collect()
    }
}

/// Collects hotspots and problems while parsing one file.
struct Parser<'a> {
    source: &'a str,
    hotspots: Vec<Hotspot>,
    contigs: Vec<(String, u64)>,
    problems: Vec<String>,
    /// id -> line of first use
    ids: HashMap<String, usize>,
}

/// Why an allele is unusable, or None when it is fine.
fn allele_problem(allele: &str) -> Option<&'static str> {
    if allele.is_empty() || allele == "." {
        Some("is empty")
    } else if allele == "*" {
        Some("is '*' (a spanning deletion), which cfspot cannot count")
    } else if allele.starts_with('<') || allele.contains('[') || allele.contains(']') {
        Some("is symbolic or a breakend, which cfspot cannot count; write the bases")
    } else if !allele
        .bytes()
        .all(|b| matches!(b.to_ascii_uppercase(), b'A' | b'C' | b'G' | b'T' | b'N'))
    {
        Some("holds characters other than A, C, G, T, N")
    } else {
        None
    }
}

impl<'a> Parser<'a> {
    fn new(source: &'a str) -> Self {
        Parser {
            source,
            hotspots: Vec::new(),
            contigs: Vec::new(),
            problems: Vec::new(),
            ids: HashMap::new(),
        }
    }

    fn problem(&mut self, line: usize, what: impl std::fmt::Display) {
        self.problems
            .push(format!("{}:{line}: {what}", self.source));
    }

    fn finish(self) -> Result<Panel, PanelError> {
        if !self.problems.is_empty() {
            return Err(PanelError::Invalid {
                path: self.source.to_string(),
                problems: self.problems,
            });
        }
        if self.hotspots.is_empty() {
            return Err(PanelError::Empty {
                path: self.source.to_string(),
            });
        }
        Ok(Panel {
            source: self.source.to_string(),
            hotspots: self.hotspots,
            contigs: self.contigs,
        })
    }

    fn parse_pos(&mut self, line: usize, text: &str, what: &str) -> Option<u64> {
        match text.trim().parse::<u64>() {
            Ok(0) => {
                self.problem(
                    line,
                    format!("{what} is 0 (positions are 1-based; the first base is 1)"),
                );
                None
            }
            Ok(p) => Some(p),
            Err(_) => {
                self.problem(
                    line,
                    format!("{what} '{text}' is not a whole number (give a 1-based position)"),
                );
                None
            }
        }
    }

    /// Checks the alleles; returns (REF, ALT) upper-cased when both are fine.
    fn alleles(&mut self, line: usize, r: &str, a: &str) -> Option<(String, String)> {
        let mut ok = true;
        if let Some(why) = allele_problem(r) {
            self.problem(line, format!("REF '{r}' {why}"));
            ok = false;
        }
        if let Some(why) = allele_problem(a) {
            if a == "." || a.is_empty() {
                self.problem(
                    line,
                    format!(
                        "ALT '{a}' is empty (give the alternate allele; for position-only \
                         sites use a BED panel)"
                    ),
                );
            } else {
                self.problem(line, format!("ALT '{a}' {why}"));
            }
            ok = false;
        }
        if !ok {
            return None;
        }
        let (r, a) = (r.to_ascii_uppercase(), a.to_ascii_uppercase());
        if r == a {
            self.problem(
                line,
                format!("REF and ALT are both '{r}' (a hotspot must change the sequence)"),
            );
            return None;
        }
        Some((r, a))
    }

    fn add(&mut self, line: usize, hotspot: Hotspot) {
        if let Some(&first) = self.ids.get(&hotspot.id) {
            self.problem(
                line,
                format!(
                    "duplicate id '{}' (first used at {}:{first}); ids must be unique, \
                     rename one",
                    hotspot.id, self.source
                ),
            );
            return;
        }
        self.ids.insert(hotspot.id.clone(), line);
        self.hotspots.push(hotspot);
    }

    fn origin(&self, line: usize) -> String {
        format!("{}:{line}", self.source)
    }

    fn vcf(&mut self, lines: &[&str]) {
        for (i, &line) in lines.iter().enumerate() {
            let ln = i + 1;
            if line.trim().is_empty() {
                continue;
            }
            if let Some(meta) = line.strip_prefix("##") {
                if let Some(body) = meta.strip_prefix("contig=<") {
                    self.vcf_contig(ln, body);
                }
                continue;
            }
            if line.starts_with('#') {
                continue;
            }
            let cols: Vec<&str> = line.split('\t').collect();
            if cols.len() < 5 {
                self.problem(
                    ln,
                    format!(
                        "{} tab-separated column(s), but a VCF record needs at least 5 \
                         (CHROM POS ID REF ALT); separate columns with tabs",
                        cols.len()
                    ),
                );
                continue;
            }
            let contig = cols[0].trim();
            if contig.is_empty() {
                self.problem(ln, "CHROM is empty (give the contig name)");
                continue;
            }
            let Some(pos) = self.parse_pos(ln, cols[1], "POS") else {
                continue;
            };
            let id = cols[2].trim();
            let r = cols[3].trim();
            let alts: Vec<&str> = cols[4].trim().split(',').collect();
            let info = cols.get(7).copied().unwrap_or("");
            let gene = info_value(info, "GENE");
            let label = info_value(info, "HGVSP");
            let mut checked = Vec::new();
            for a in &alts {
                if let Some(pair) = self.alleles(ln, r, a) {
                    checked.push(pair);
                }
            }
            if checked.len() != alts.len() {
                continue;
            }
            if let Some(len) = self
                .contigs
                .iter()
                .find(|(c, _)| c == contig)
                .map(|(_, l)| *l)
            {
                let end = pos + r.len() as u64 - 1;
                if end > len {
                    self.problem(
                        ln,
                        format!(
                            "{contig}:{pos} {r} ends past the end of {contig} (length {len} by \
                             the ##contig header); check the coordinates and the genome build"
                        ),
                    );
                    continue;
                }
            }
            let n = checked.len();
            for (k, (r, a)) in checked.into_iter().enumerate() {
                let id = if id.is_empty() || id == "." {
                    unnamed_id(contig, pos, &r, &a)
                } else if n > 1 {
                    format!("{id}_{a}")
                } else {
                    id.to_string()
                };
                let hotspot = Hotspot {
                    contig: contig.to_string(),
                    pos,
                    ref_allele: r,
                    alt_allele: a,
                    id,
                    gene: per_allele(gene, k, n),
                    label: per_allele(label, k, n),
                    origin: self.origin(ln),
                };
                self.add(ln, hotspot);
            }
        }
    }

    fn vcf_contig(&mut self, ln: usize, body: &str) {
        let body = body.trim_end().trim_end_matches('>');
        let mut id = None;
        let mut length = None;
        for field in body.split(',') {
            if let Some((k, v)) = field.split_once('=') {
                match k.trim() {
                    "ID" => id = Some(v.trim()),
                    "length" => length = Some(v.trim()),
                    _ => {}
                }
            }
        }
        let Some(id) = id else {
            self.problem(
                ln,
                "##contig line without ID= (write ##contig=<ID=name,length=N>)",
            );
            return;
        };
        if let Some(length) = length {
            match length.parse::<u64>() {
                Ok(l) => self.contigs.push((id.to_string(), l)),
                Err(_) => self.problem(
                    ln,
                    format!("##contig length '{length}' of {id} is not a whole number"),
                ),
            }
        }
    }

    fn tsv(&mut self, lines: &[&str]) {
        let mut header: Option<HashMap<Column, usize>> = None;
        let mut needed = 0;
        for (i, &line) in lines.iter().enumerate() {
            let ln = i + 1;
            if line.trim().is_empty() {
                continue;
            }
            let Some(cols) = header.as_ref() else {
                if line.starts_with("##") {
                    continue;
                }
                let map = tsv_header_columns(line);
                let missing: Vec<&str> = [
                    (Column::Contig, "contig"),
                    (Column::Pos, "pos"),
                    (Column::Ref, "ref"),
                    (Column::Alt, "alt"),
                ]
                .iter()
                .filter(|(c, _)| !map.contains_key(c))
                .map(|(_, n)| *n)
                .collect();
                if !missing.is_empty() {
                    self.problem(
                        ln,
                        format!(
                            "the header lacks the column(s) {} (a TSV panel needs the \
                             tab-separated columns contig, pos, ref, alt; id, gene, label are \
                             optional)",
                            missing.join(", ")
                        ),
                    );
                    return;
                }
                needed = map.values().copied().max().unwrap_or(0) + 1;
                header = Some(map);
                continue;
            };
            if line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split('\t').map(str::trim).collect();
            let get = |c: Column| cols.get(&c).and_then(|&i| fields.get(i)).copied();
            // Only the required columns must be present; optional ones may be cut short.
            let required_max = [Column::Contig, Column::Pos, Column::Ref, Column::Alt]
                .iter()
                .filter_map(|c| cols.get(c))
                .max()
                .copied()
                .unwrap_or(0);
            if fields.len() <= required_max {
                self.problem(
                    ln,
                    format!(
                        "{} tab-separated column(s), but the header has {needed}; separate \
                         columns with tabs",
                        fields.len()
                    ),
                );
                continue;
            }
            let (contig, pos_text, r, a) = (
                get(Column::Contig).unwrap_or(""),
                get(Column::Pos).unwrap_or(""),
                get(Column::Ref).unwrap_or(""),
                get(Column::Alt).unwrap_or(""),
            );
            let id = get(Column::Id).unwrap_or("").to_string();
            let gene = get(Column::Gene).unwrap_or("").to_string();
            let label = get(Column::Label).unwrap_or("").to_string();
            if contig.is_empty() {
                self.problem(ln, "contig is empty (give the contig name)");
                continue;
            }
            let Some(pos) = self.parse_pos(ln, pos_text, "pos") else {
                continue;
            };
            let Some((r, a)) = self.alleles(ln, r, a) else {
                continue;
            };
            let id = if id.is_empty() || id == "." {
                unnamed_id(contig, pos, &r, &a)
            } else {
                id
            };
            let hotspot = Hotspot {
                contig: contig.to_string(),
                pos,
                ref_allele: r,
                alt_allele: a,
                id,
                gene: if gene == "." { String::new() } else { gene },
                label: if label == "." { String::new() } else { label },
                origin: self.origin(ln),
            };
            self.add(ln, hotspot);
        }
        if header.is_none() {
            self.problems.push(format!(
                "{}: no header line (a TSV panel starts with the tab-separated column names \
                 contig, pos, ref, alt)",
                self.source
            ));
        }
    }

    fn bed(&mut self, lines: &[&str]) {
        let mut total: u64 = 0;
        for (i, &line) in lines.iter().enumerate() {
            let ln = i + 1;
            let t = line.trim();
            if t.is_empty()
                || t.starts_with('#')
                || t.starts_with("track")
                || t.starts_with("browser")
            {
                continue;
            }
            let cols = split_bed(t);
            if cols.len() < 3 {
                self.problem(
                    ln,
                    format!(
                        "{} column(s), but a BED line needs at least 3 (contig, start, end), \
                         separated by tabs",
                        cols.len()
                    ),
                );
                continue;
            }
            let contig = cols[0];
            let (start, end) = match (cols[1].parse::<u64>(), cols[2].parse::<u64>()) {
                (Ok(s), Ok(e)) => (s, e),
                _ => {
                    self.problem(
                        ln,
                        format!(
                            "start '{}' and end '{}' must be whole numbers (BED is 0-based, \
                             end exclusive)",
                            cols[1], cols[2]
                        ),
                    );
                    continue;
                }
            };
            if end <= start {
                self.problem(
                    ln,
                    format!(
                        "empty interval {start}-{end}: end must be greater than start (BED is \
                         0-based, end exclusive: one base at position P is 'P-1 P')"
                    ),
                );
                continue;
            }
            total = total.saturating_add(end - start);
            if total > MAX_BED_POSITIONS {
                self.problems.push(format!(
                    "{}:{ln}: the BED intervals cover more than {MAX_BED_POSITIONS} positions \
                     in all (this one is {contig}:{}-{end}); a BED panel lists hotspot \
                     positions, not target regions — list only the positions to count",
                    self.source,
                    start + 1
                ));
                return;
            }
            let name = cols.get(3).copied().filter(|n| !n.is_empty() && *n != ".");
            for p0 in start..end {
                let pos = p0 + 1;
                let id = match name {
                    Some(n) if end - start == 1 => n.to_string(),
                    Some(n) => format!("{n}:{pos}"),
                    None => format!("{contig}:{pos}"),
                };
                let hotspot = Hotspot {
                    contig: contig.to_string(),
                    pos,
                    ref_allele: String::new(),
                    alt_allele: ".".to_string(),
                    id,
                    gene: String::new(),
                    label: String::new(),
                    origin: self.origin(ln),
                };
                self.add(ln, hotspot);
            }
        }
    }
}

/// The value of INFO key `key`, or "" (also for ".").
fn info_value<'s>(info: &'s str, key: &str) -> &'s str {
    info.split(';')
        .find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            (k.trim() == key).then_some(v.trim())
        })
        .filter(|v| *v != ".")
        .unwrap_or("")
}

/// The id of a VCF or TSV hotspot whose file gives none (empty or `.`):
/// `chr12:25245350C>T`, one rule for both formats.
fn unnamed_id(contig: &str, pos: u64, r: &str, a: &str) -> String {
    format!("{contig}:{pos}{r}>{a}")
}

/// For a split multi-ALT record: a value with one comma-separated entry per
/// ALT gives the k-th entry; otherwise the whole value.
fn per_allele(value: &str, k: usize, n: usize) -> String {
    if n > 1 {
        let parts: Vec<&str> = value.split(',').collect();
        if parts.len() == n {
            let v = parts[k].trim();
            return if v == "." {
                String::new()
            } else {
                v.to_string()
            };
        }
    }
    value.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::RegionalFasta;
    use std::io::Write;

    fn parse(name: &str, text: &str) -> Result<Panel, PanelError> {
        Panel::from_bytes(name, text.as_bytes())
    }

    fn problems(r: Result<Panel, PanelError>) -> Vec<String> {
        match r {
            Err(PanelError::Invalid { problems, .. }) => problems,
            Err(e) => panic!("expected Invalid, got {e}"),
            Ok(p) => panic!("expected an error, got {} hotspots", p.hotspots.len()),
        }
    }

    const HEAD: &str = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n";

    #[test]
    fn demo_panel() {
        let p = Panel::demo();
        assert_eq!(p.source, "demo");
        assert_eq!(p.hotspots.len(), 31);
        let snv = p.hotspots.iter().filter(|h| h.is_single_base()).count();
        let mnv: Vec<&Hotspot> = p
            .hotspots
            .iter()
            .filter(|h| h.ref_allele.len() > 1 && h.ref_allele.len() == h.alt_allele.len())
            .collect();
        let del: Vec<&Hotspot> = p
            .hotspots
            .iter()
            .filter(|h| h.ref_allele.len() > h.alt_allele.len())
            .collect();
        assert_eq!((snv, mnv.len(), del.len()), (29, 1, 1));
        assert_eq!(mnv[0].id, "EGFR_L747P");
        assert_eq!(del[0].id, "EGFR_E746_A750del");
        assert_eq!(del[0].ref_allele.len(), 16);
        let first = &p.hotspots[0];
        assert_eq!(
            first,
            &Hotspot {
                contig: "chr1".into(),
                pos: 114713908,
                ref_allele: "T".into(),
                alt_allele: "C".into(),
                id: "NRAS_Q61R".into(),
                gene: "NRAS".into(),
                label: "p.Q61R".into(),
                origin: "demo:12".into(),
            }
        );
        assert_eq!(p.hotspots[30].id, "TP53_R175H");
        assert_eq!(p.contigs.len(), 6);
        assert_eq!(p.contigs[4], ("chr12".to_string(), 133275309));
        assert!(Panel::load("demo").is_ok());
    }

    #[test]
    fn bgzipped_vcf_loads_like_plain() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("p.vcf");
        std::fs::write(&plain, include_str!("../assets/demo/hotspots.vcf")).unwrap();
        let gz = dir.path().join("p.vcf.gz");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(include_str!("../assets/demo/hotspots.vcf").as_bytes())
            .unwrap();
        std::fs::write(&gz, enc.finish().unwrap()).unwrap();
        let a = Panel::load(plain.to_str().unwrap()).unwrap();
        let b = Panel::load(gz.to_str().unwrap()).unwrap();
        assert_eq!(a.hotspots.len(), 31);
        assert_eq!(a.contigs, b.contigs);
        for (x, y) in a.hotspots.iter().zip(&b.hotspots) {
            assert_eq!(
                (
                    &x.id,
                    &x.contig,
                    x.pos,
                    &x.ref_allele,
                    &x.alt_allele,
                    &x.gene,
                    &x.label
                ),
                (
                    &y.id,
                    &y.contig,
                    y.pos,
                    &y.ref_allele,
                    &y.alt_allele,
                    &y.gene,
                    &y.label
                )
            );
        }
        assert_eq!(a.hotspots[0].origin, format!("{}:12", plain.display()));
        assert_eq!(b.hotspots[0].origin, format!("{}:12", gz.display()));
        let err = Panel::load(dir.path().join("missing.vcf").to_str().unwrap()).unwrap_err();
        assert!(matches!(err, PanelError::Io { .. }), "{err}");
        assert!(err.to_string().contains("missing.vcf"));
    }

    #[test]
    fn multi_alt_split_and_dot_ids() {
        let text = format!(
            "{HEAD}chr12\t25245350\tKRAS_G12\tc\tT,a\t.\t.\tGENE=KRAS;HGVSP=p.G12D,p.G12V\n\
             chr12\t25245351\t.\tC\tA\t.\t.\t.\n\
             chr12\t25245347\t.\tC\tT,G\t.\t.\tGENE=KRAS\n"
        );
        let p = parse("p.vcf", &text).unwrap();
        let ids: Vec<&str> = p.hotspots.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(
            ids,
            vec![
                "KRAS_G12_T",
                "KRAS_G12_A",
                "chr12:25245351C>A",
                "chr12:25245347C>T",
                "chr12:25245347C>G"
            ]
        );
        assert_eq!(p.hotspots[0].ref_allele, "C");
        assert_eq!(p.hotspots[1].alt_allele, "A");
        assert_eq!(p.hotspots[0].label, "p.G12D");
        assert_eq!(p.hotspots[1].label, "p.G12V");
        assert_eq!(p.hotspots[1].gene, "KRAS");
        assert_eq!(p.hotspots[2].gene, "");
        assert_eq!(p.hotspots[4].gene, "KRAS");
        assert_eq!(p.hotspots[1].origin, "p.vcf:3");
        assert!(p.contigs.is_empty());
    }

    #[test]
    fn tsv_any_column_order() {
        let text = "## a comment\nalt\tid\tpos\textra\tcontig\tref\tlabel\n\
                    T\tKRAS_G12D\t25245350\tx\tchr12\tC\tp.G12D\n\
                    \n\
                    A\t.\t25245350\ty\tchr12\tc\n";
        let p = parse("p.tsv", text).unwrap();
        assert_eq!(p.hotspots.len(), 2);
        let h = &p.hotspots[0];
        assert_eq!(
            (
                h.contig.as_str(),
                h.pos,
                h.ref_allele.as_str(),
                h.alt_allele.as_str()
            ),
            ("chr12", 25245350, "C", "T")
        );
        assert_eq!(
            (h.id.as_str(), h.label.as_str(), h.gene.as_str()),
            ("KRAS_G12D", "p.G12D", "")
        );
        assert_eq!(h.origin, "p.tsv:3");
        assert_eq!(p.hotspots[1].id, "chr12:25245350C>A");
        assert_eq!(p.hotspots[1].label, "");
        // missing required column
        let pr = problems(parse("q.tsv", "contig\tpos\tref\nchr1\t5\tA\n"));
        assert!(
            pr[0].starts_with("q.tsv:1:") && pr[0].contains("alt"),
            "{pr:?}"
        );
        // too few columns in a row
        let pr = problems(parse("r.tsv", "contig\tpos\tref\talt\nchr1\t5\tA\n"));
        assert!(
            pr[0].starts_with("r.tsv:2:") && pr[0].contains("column"),
            "{pr:?}"
        );
    }

    #[test]
    fn bed_expansion() {
        let text = "track name=x\nbrowser position chr1\n# comment\n\
                    chr12\t25245349\t25245350\tKRAS_G12\n\
                    chr7\t100\t103\tWIN\n\
                    chr7\t200\t202\n";
        let p = parse("p.bed", text).unwrap();
        let got: Vec<(&str, u64, &str)> = p
            .hotspots
            .iter()
            .map(|h| (h.contig.as_str(), h.pos, h.id.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("chr12", 25245350, "KRAS_G12"),
                ("chr7", 101, "WIN:101"),
                ("chr7", 102, "WIN:102"),
                ("chr7", 103, "WIN:103"),
                ("chr7", 201, "chr7:201"),
                ("chr7", 202, "chr7:202"),
            ]
        );
        assert!(p
            .hotspots
            .iter()
            .all(|h| h.ref_allele.is_empty() && h.alt_allele == "."));
        assert_eq!(p.hotspots[5].origin, "p.bed:6");
        // detected by content even without the .bed extension
        assert_eq!(
            parse("sites.txt", "chr1\t9\t10\n").unwrap().hotspots[0].pos,
            10
        );
        // absurd intervals
        let pr = problems(parse("big.bed", "chr1\t0\t5000\nchr1\t10000\t20000\n"));
        assert!(
            pr[0].starts_with("big.bed:2:") && pr[0].contains("10000"),
            "{pr:?}"
        );
        let pr = problems(parse("e.bed", "chr1\t10\t10\nchr1\tx\t5\nchr1\t5\n"));
        assert_eq!(pr.len(), 3, "{pr:?}");
        assert!(pr[0].starts_with("e.bed:1:") && pr[0].contains("empty interval"));
        assert!(pr[1].starts_with("e.bed:2:") && pr[1].contains("whole numbers"));
        assert!(pr[2].starts_with("e.bed:3:") && pr[2].contains("3"));
    }

    #[test]
    fn vcf_problems_name_file_and_line() {
        let text = format!(
            "{HEAD}\
             chr1\tx\tA1\tA\tC\t.\t.\t.\n\
             chr1\t0\tA2\tA\tC\t.\t.\t.\n\
             chr1\t5\tA3\t\tC\t.\t.\t.\n\
             chr1\t5\tA4\tA\tA\t.\t.\t.\n\
             chr1\t5\tA5\tA\n\
             chr1\t5\tA6\tA\t<DEL>\t.\t.\t.\n\
             chr1\t5\tA7\tA\t*\t.\t.\t.\n\
             chr1\t5\tA8\tA\tCR\t.\t.\t.\n\
             chr1\t5\tA9\tA\t.\t.\t.\t.\n\
             chr1 5 A10 A C\n"
        );
        let pr = problems(parse("bad.vcf", &text));
        let want = [
            (3, "not a whole number"),
            (4, "is 0"),
            (5, "REF '' is empty"),
            (6, "both 'A'"),
            (7, "at least 5"),
            (8, "symbolic"),
            (9, "'*'"),
            (10, "other than A, C, G, T, N"),
            (11, "empty"),
            (12, "at least 5"),
        ];
        assert_eq!(pr.len(), want.len(), "{pr:#?}");
        for (p, (line, what)) in pr.iter().zip(want) {
            assert!(p.starts_with(&format!("bad.vcf:{line}: ")), "{p}");
            assert!(p.contains(what), "{p} lacks {what}");
        }
        // the error text lists them all
        let msg = parse("bad.vcf", &text).unwrap_err().to_string();
        assert!(msg.starts_with("panel bad.vcf has 10 problem(s):"), "{msg}");
    }

    #[test]
    fn position_past_contig_end() {
        let text = "##fileformat=VCFv4.2\n##contig=<ID=c1,length=10>\n\
                    #CHROM\tPOS\tID\tREF\tALT\n\
                    c1\t10\tok\tA\tC\nc1\t9\tlong\tAGT\tA\n";
        let pr = problems(parse("p.vcf", text));
        assert_eq!(pr.len(), 1);
        assert!(
            pr[0].starts_with("p.vcf:5:") && pr[0].contains("length 10"),
            "{pr:?}"
        );
    }

    #[test]
    fn duplicate_ids_name_both_lines() {
        let text = format!(
            "{HEAD}chr1\t5\tX\tA\tC\t.\t.\t.\nchr1\t6\tY\tA\tC\t.\t.\t.\nchr1\t7\tX\tA\tG\t.\t.\t.\n"
        );
        let pr = problems(parse("d.vcf", &text));
        assert_eq!(pr.len(), 1);
        assert!(
            pr[0].starts_with("d.vcf:5: duplicate id 'X' (first used at d.vcf:3)"),
            "{pr:?}"
        );
        // BED: overlapping intervals repeat a position
        let pr = problems(parse("d.bed", "chr1\t0\t3\nchr1\t2\t4\n"));
        assert!(
            pr[0].starts_with("d.bed:2: duplicate id 'chr1:3'"),
            "{pr:?}"
        );
    }

    #[test]
    fn empty_and_unknown_format() {
        assert!(matches!(
            parse("e.vcf", HEAD),
            Err(PanelError::Empty { .. })
        ));
        assert!(matches!(
            parse("e.bed", "track x\n"),
            Err(PanelError::Empty { .. })
        ));
        let pr = problems(parse("what.txt", "hello world\n"));
        assert!(
            pr[0].contains("VCF") && pr[0].contains("TSV") && pr[0].contains("BED"),
            "{pr:?}"
        );
        let pr = problems(Panel::from_bytes(
            "bin.bam",
            &[0x42, 0x41, 0x4d, 0xff, 0xfe],
        ));
        assert!(pr[0].contains("not UTF-8"), "{pr:?}");
    }

    #[test]
    fn resolve_demo_against_demo_reference() {
        let reference = RegionalFasta::demo();
        let mut p = Panel::demo();
        p.resolve(Some(&reference)).unwrap();
        p.resolve(None).unwrap();
    }

    #[test]
    fn resolve_lists_every_mismatch() {
        let text = format!(
            "{HEAD}chr12\t25245350\tKRAS_G12D\tG\tT\t.\t.\t.\n\
             chr12\t25245350\tOK\tC\tT\t.\t.\t.\n\
             chr7\t55174771\tDEL\tAGGAATTAAGAGAAGG\tA\t.\t.\t.\n\
             chr7\t100\tFAR\tA\tC\t.\t.\t.\n"
        );
        let mut p = parse("panel.vcf", &text).unwrap();
        let err = p.resolve(Some(&RegionalFasta::demo())).unwrap_err();
        let PanelError::Reference { problems, .. } = &err else {
            panic!("{err}")
        };
        assert_eq!(problems.len(), 3, "{problems:#?}");
        assert_eq!(
            problems[0],
            "KRAS_G12D (panel.vcf:3) chr12:25245350 REF G but the reference has C"
        );
        assert!(problems[1].starts_with("DEL (panel.vcf:5) chr7:55174771 REF AGGAATTAAGAGAAGG but the reference has AGGAATTAAGAGAAGC"));
        assert!(
            problems[2].contains("FAR (panel.vcf:6)")
                && problems[2].contains("not inside any window")
        );
        assert!(err.to_string().contains("the embedded GRCh38 demo windows"));
    }

    #[test]
    fn resolve_fills_bed_refs() {
        let mut p = parse("p.bed", "chr12\t25245349\t25245351\tG12\n").unwrap();
        let err = p.resolve(None).unwrap_err();
        assert!(matches!(err, PanelError::NeedsReference { .. }));
        assert!(err.to_string().contains("--reference"));
        p.resolve(Some(&RegionalFasta::demo())).unwrap();
        assert_eq!(p.hotspots[0].ref_allele, "C");
        assert_eq!(p.hotspots[1].ref_allele, "C");
        assert!(p.hotspots.iter().all(|h| h.is_single_base()));
    }

    #[test]
    fn chr_style_hint() {
        let text =
            format!("{HEAD}12\t25245350\tA\tC\tT\t.\t.\t.\n12\t25245351\tB\tC\tA\t.\t.\t.\n");
        let mut p = parse("ens.vcf", &text).unwrap();
        let err = p
            .resolve(Some(&RegionalFasta::demo()))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("contig '12' (2 hotspot(s), first A at ens.vcf:3)"),
            "{err}"
        );
        assert!(
            err.contains("the panel names contigs like '12' but the embedded GRCh38 demo windows names them like 'chr12' (UCSC vs Ensembl style)"),
            "{err}"
        );
        let avail = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let h = contig_style_hint("chr12", &avail(&["1", "12", "X"])).unwrap();
        assert!(h.contains("'chr12'") && h.contains("'12'"), "{h}");
        let h = contig_style_hint("chrM", &avail(&["1", "MT"])).unwrap();
        assert!(h.contains("'MT'"), "{h}");
        let h = contig_style_hint("MT", &avail(&["chr1", "chrM"])).unwrap();
        assert!(h.contains("'chrM'"), "{h}");
        // absent contig, but the styles differ
        assert!(contig_style_hint("chr5", &avail(&["1", "2"])).is_some());
        assert!(contig_style_hint("Chr1", &avail(&["chr1"]))
            .unwrap()
            .contains("case"));
        assert_eq!(contig_style_hint("chr5", &avail(&["chr1", "chr2"])), None);
        assert_eq!(contig_style_hint("chr1", &avail(&["chr1"])), None);
    }

    #[test]
    fn single_base() {
        let mut h = Panel::demo().hotspots[0].clone();
        assert!(h.is_single_base());
        h.alt_allele = ".".into();
        assert!(h.is_single_base());
        h.ref_allele = "TT".into();
        assert!(!h.is_single_base());
    }
}
