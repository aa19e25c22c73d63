//! Hotspot panels: the sites cfspot looks at.
//!
//! A panel is read from VCF (plain, gzip or bgzip), from a TSV with a header
//! (`contig pos ref alt`, optional `id gene label`), or from BED (positions
//! only; the reference bases are filled in by [`Panel::resolve`]). The format
//! is detected from the content, see [`Panel::from_path`]. Every problem of a
//! file is reported together, each as `FILE:LINE: what is wrong (what to do)`.
use crate::reference::{list_problems, Reference, ReferenceError};
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
        let bytes = if bytes.len() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b {
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
            match contig_style_hint(contig, &available) {
                Some(hint) => {
                    msg.push_str("; ");
                    msg.push_str(&hint);
                }
                None => {
                    let shown: Vec<&str> = available.iter().take(10).map(String::as_str).collect();
                    let more = if available.len() > 10 {
                        format!(", ... ({} in all)", available.len())
                    } else {
                        String::new()
                    };
                    msg.push_str(&format!(
                        " (its contigs: {}{more}); use the reference the panel was made for",
                        shown.join(", ")
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

/// Explains a contig-naming mismatch between a panel and a reference:
/// `chr12` vs `12` (UCSC vs Ensembl style), `chrM` vs `MT`, or a difference
/// in case only. None when `name` is in `available` or no style explains it.
pub fn contig_style_hint(name: &str, available: &[String]) -> Option<String> {
    if available.iter().any(|a| a == name) {
        return None;
    }
    let msg = |other: &str| {
        format!(
            "the panel names contigs like '{name}' but the reference names them like '{other}' \
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
            "the panel names this contig '{name}' but the reference names it '{other}' \
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
                    format!("{contig}:{pos}{r}>{a}")
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
                format!("{contig}:{pos}{r}>{a}")
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
