//! The second stage: what happens to a unique fragment before the
//! sequencer. Its UMIs are attached (with `--umi`), it is amplified into
//! PCR copies, and each copy comes from one strand of the original duplex.
//!
//! Each unique fragment is read `1 + Poisson(d / (1 − d))` times
//! (`--duplicates d` is the expected share of duplicate pairs), or, with
//! `--family-size-mean M`, `1 + Poisson(M − 1)` times, over-dispersed with
//! `--family-size-dispersion k` to `1 + NB(M − 1, k)` (a Gamma-Poisson
//! mixture: variance `(M − 1) + (M − 1)² / k`), as PCR families are in real
//! libraries. Every unique fragment is read at least once, so `--depth`
//! keeps its meaning and each fragment is one family. Each copy
//! comes from strand A or B at random; a B-strand copy is read from the
//! other end (read 1 and read 2 swap ends), and with `--umi` its two UMIs
//! are swapped in the `RX` tag and the read name. Its `MI` tag ends `/A`
//! when read 1 is the left read and `/B` otherwise, fgbio's and fgumi's
//! rule (`/A` when read 1's unclipped 5' end is at or before read 2's), so
//! a grouped BAM from the simulator labels strands as theirs do. With `--umi-error-rate e`
//! each UMI base of each copy is misread with chance `e` (in `RX` and the
//! read name alike; `MI` stays the true molecule), so a family's reads can
//! disagree on their UMI as real ones do.
//!
//! **Which strand a copy comes from.** A copy whose read 1 is the left
//! (forward) read was made from the *top* strand of the original molecule
//! (its bases as the reference reads them), the other copies from the
//! *bottom* strand: read 1 of an Illumina pair reads the strand it came
//! from (F1R2 and F2R1 in Picard's terms). So `/A` is always the top
//! strand; which of the two copies' strands is drawn first (`strand_b`)
//! is random and says nothing of the label.
//!
//! **Pre-sequencing changes** are made to a copy's template before the
//! sequencer reads it, so both reads of the pair show them where they cover
//! them (the sequencer's errors stay per read). Three kinds, each off unless
//! asked for, and with both off no random draw is made for them:
//! - *Single-strand damage* (`--damage G>T:0.01,C>T:0.001`): each base of
//!   each original strand that reads FROM on that strand (5'→3') reads TO,
//!   at that rate, independently per strand, in every copy of that strand
//!   and in none of the other strand's. On the top strand G>T is G>T as the
//!   reference reads it; on the bottom strand the same damage shows as C>A
//!   (the complement), which is how oxidation and deamination look in real
//!   duplex data (G>T in F1R2 reads, C>A in F2R1).
//! - *CpG deamination* (`--cpg-factor F`): the C of each CpG of each
//!   original strand (5'-CG-3' on that strand: on the bottom strand the
//!   top's G) reads T at rate `(F − 1) · e / 3`, `e` the sequencer's mean
//!   error rate (`--error-rate`), so that on the strand that carries the
//!   CpG C, C>T is `F` times the sequencer's own C>T (`e / 3`) there: the
//!   context effect of methylated C, which deaminates to T. It is made here,
//!   before the sequencer, because that is where it happens in real
//!   samples (in the plasma, in storage, in library heat steps): both mates
//!   and every PCR copy of that strand show it, as damage does, so it is
//!   not erased by merging mates or by a single-strand consensus (a
//!   per-read sequencing error would be, which would flatter the method),
//!   and only a duplex consensus removes it. On the top strand it is C>T at
//!   the CpG's C; on the bottom strand G>A at its G, as the reference reads
//!   them. A CpG split by the fragment's end is not one: the fragment holds
//!   its C alone (a small shortfall at the ends, 1 in ~170 CpG Cs).
//! - *PCR errors* (`--pcr-error-rate R`, `--pcr-cycles C` default 10,
//!   `--pcr-efficiency E` default 1). Each original strand is amplified
//!   on its own for C cycles. At each cycle a molecule is copied, and the
//!   new copy gets a substitution at each base with chance R (one of the
//!   other three bases at equal chance) and keeps every change of its
//!   template. A read pair is one molecule of the final pool; its lineage
//!   back to the original strand is a path through the cycles: at cycle k
//!   it is the new copy with chance `q = E / (1 + E)` (the share of
//!   molecules after a cycle that were made in it: 1/2 when every molecule
//!   is copied), else the template. The tree is built lazily, per strand:
//!   a node is (cycle, path so far) and holds the errors made when that
//!   copy was made, drawn the first time a read's path reaches it, so every
//!   read through that node carries them. An error made at cycle k on a
//!   path with j new-copy steps is in a share `q^j (1 − q)^(k − j)` of the
//!   strand's reads in expectation (a cycle-1 error: `q`, half the family
//!   at full efficiency); a read carries `C · q · R` PCR errors per base.
//!   The model treats the pool as large (it does not size-bias paths by
//!   how many descendants a node left), which is exact at E = 1.

use super::rng::SimRng;
use super::sequencing::substitute;
use super::SimParams;
use std::collections::HashMap;
use std::fmt;

/// The library settings of one run.
#[derive(Debug, Clone)]
pub struct Library {
    /// Mean PCR duplicates per unique fragment.
    dup_lambda: f64,
    /// Their negative binomial's dispersion (`None`: Poisson).
    dispersion: Option<f64>,
    /// UMI length, with `--umi`.
    umi_length: Option<usize>,
    /// Chance that each UMI base of a copy is read wrong (`--umi-error-rate`).
    umi_error_rate: f64,
    /// PCR errors (`--pcr-error-rate`), `None` when off.
    pcr: Option<Pcr>,
    /// Single-strand damage (`--damage`), empty when off.
    damage: Vec<Damage>,
    /// CpG deamination per CpG C per strand (`--cpg-factor`), `None` when
    /// off (a factor of 1 is off).
    cpg: Option<Cpg>,
    /// See [`Library::molecular`].
    molecular: bool,
}

/// The PCR error model of [`Library`] (see the module docs).
#[derive(Debug, Clone, Copy)]
struct Pcr {
    /// Substitutions per base per duplication.
    rate: f64,
    cycles: u32,
    /// Chance that a read's lineage is the new copy at a cycle: E / (1 + E).
    new_copy: f64,
}

/// The CpG model of [`Library`] (see the module docs).
#[derive(Debug, Clone, Copy)]
struct Cpg {
    factor: f64,
    /// `(factor − 1) · error_rate / 3`: per CpG C of an original strand.
    rate: f64,
}

/// One kind of single-strand damage: a `from` base of an original strand
/// (5'→3' on that strand) reads `to` in all of that strand's copies, at
/// `rate` per base.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Damage {
    pub from: char,
    pub to: char,
    pub rate: f64,
}

impl fmt::Display for Damage {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}>{}:{}", self.from, self.to, self.rate)
    }
}

impl Damage {
    /// `G>T:0.01,C>T:0.001`: comma-separated FROM>TO:RATE, bases ACGT,
    /// FROM ≠ TO, each FROM>TO at most once. The rate's range is checked
    /// with the other settings ([`SimParams::validate`]).
    pub fn parse_list(s: &str) -> Result<Vec<Damage>, String> {
        let mut out: Vec<Damage> = Vec::new();
        for item in s.split(',').map(str::trim).filter(|x| !x.is_empty()) {
            let bad = || {
                format!(
                    "--damage '{item}': give FROM>TO:RATE with FROM and TO two different bases of ACGT (e.g. G>T:0.001)"
                )
            };
            let (sub, rate) = item.split_once(':').ok_or_else(bad)?;
            let (from, to) = sub.split_once('>').ok_or_else(bad)?;
            let base = |x: &str| match x.trim().to_ascii_uppercase().as_str() {
                b @ ("A" | "C" | "G" | "T") => b.chars().next(),
                _ => None,
            };
            let (Some(from), Some(to)) = (base(from), base(to)) else {
                return Err(bad());
            };
            let rate: f64 = rate.trim().parse().map_err(|_| bad())?;
            if from == to || !rate.is_finite() {
                return Err(bad());
            }
            if out.iter().any(|d| d.from == from && d.to == to) {
                return Err(format!("--damage: {from}>{to} is given twice"));
            }
            out.push(Damage { from, to, rate });
        }
        if out.is_empty() {
            return Err("--damage: give at least one FROM>TO:RATE".to_string());
        }
        Ok(out)
    }
}

/// A change a template carries: base `pos` of the fragment (reference
/// orientation) becomes [`substitute`]`(base, k)`, or, for damage, `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Change {
    pos: u32,
    base: u8,
}

/// What a molecule carries before sequencing, per original strand (0: top,
/// 1: bottom): its damage and its lazily built PCR tree.
#[derive(Default)]
struct PreSequencing {
    /// Damaged bases of each strand, with the base they read as.
    damage: [Vec<Change>; 2],
    /// Errors made at each node of each strand's PCR tree: key (cycle,
    /// path bits up to it), value the substitutions (`base` = which of the
    /// other three, 0..3, applied to the base the template has there).
    trees: [HashMap<(u32, u64), Vec<Change>>; 2],
}

/// A unique fragment as the library holds it: its UMIs and its copies.
pub struct Molecule {
    /// On strand A, is read 1 the left (forward) read?
    r1_left_a: bool,
    /// The UMIs of strand A's read 1 and read 2.
    umis: Option<(String, String)>,
    /// Read pairs made from it (first copy included).
    pub copies: u64,
    /// Damage and PCR errors, with `--damage` or `--pcr-error-rate`.
    pre: Option<Box<PreSequencing>>,
}

/// One copy: a read pair to sequence, with its names.
pub struct Copy {
    /// Read 1 is the left (forward) read: the copy is of the top strand.
    pub(crate) r1_left: bool,
    /// Of the molecule's second strand: read from the other end than its
    /// first strand's copies, with the UMIs swapped in `RX`. (The `MI`
    /// label follows `r1_left`, not this.)
    pub strand_b: bool,
    /// A PCR duplicate (not the first copy): flagged 0x400.
    pub duplicate: bool,
    pub qname: String,
    /// The `RX` tag (`UMI1-UMI2`), with `--umi`.
    pub rx: Option<String>,
    /// The `MI` tag (`BLOCK:FRAGMENT/A` or `/B`), with `--umi`.
    pub mi: Option<String>,
}

fn random_umi(rng: &mut SimRng, len: usize) -> String {
    (0..len)
        .map(|_| b"ACGT"[rng.below(4) as usize] as char)
        .collect()
}

impl Library {
    pub fn new(p: &SimParams) -> Library {
        let dup_lambda = match p.family_size_mean {
            Some(m) => m - 1.0,
            None => p.duplicates / (1.0 - p.duplicates),
        };
        Library {
            dup_lambda,
            dispersion: p.family_size_dispersion,
            umi_length: p.umi.then_some(p.umi_length),
            umi_error_rate: p.umi_error_rate.unwrap_or(0.0),
            pcr: p.pcr_error_rate.map(|rate| {
                let e = p.pcr_efficiency.unwrap_or(1.0);
                Pcr {
                    rate,
                    cycles: p.pcr_cycles.unwrap_or(super::params::PCR_CYCLES),
                    new_copy: e / (1.0 + e),
                }
            }),
            damage: p.damage.clone(),
            cpg: p.cpg_factor.filter(|&f| f != 1.0).map(|factor| Cpg {
                factor,
                rate: cpg_rate(factor, p.error_rate),
            }),
            molecular: p.umi
                || p.family_size_mean.is_some()
                || p.pcr_error_rate.is_some()
                || !p.damage.is_empty()
                || p.cpg_factor.is_some_and(|f| f != 1.0),
        }
    }

    /// Whether the run models molecules (`--umi`, `--family-size-mean`, or
    /// a pre-sequencing change): then the truth has its molecule columns.
    pub(crate) fn molecular(&self) -> bool {
        self.molecular
    }

    /// Whether any pre-sequencing change is modelled.
    fn changes_templates(&self) -> bool {
        self.pcr.is_some() || !self.damage.is_empty() || self.cpg.is_some()
    }

    /// The pre-sequencing model in words, for `params.json` (`None` when off).
    pub(crate) fn describe(&self) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(p) = &self.pcr {
            parts.push(format!(
                "PCR errors: {} cycles per original strand; each new copy gets a substitution per base with chance {} and keeps its template's; a read's lineage is the new copy at each cycle with chance {:.6} (the share of its strand's family a cycle-1 error is in), so a read carries {:.3e} PCR errors per base",
                p.cycles,
                p.rate,
                p.new_copy,
                p.cycles as f64 * p.new_copy * p.rate
            ));
        }
        if !self.damage.is_empty() {
            let d: Vec<String> = self.damage.iter().map(|d| d.to_string()).collect();
            parts.push(format!(
                "single-strand damage {}: per base of each original strand (5'->3' on it), in every copy of that strand only; the top strand is the one whose copies have read 1 forward",
                d.join(",")
            ));
        }
        if let Some(c) = &self.cpg {
            parts.push(format!(
                "CpG deamination (--cpg-factor {}): the C of each CpG of each original strand (5'-CG-3' on it) reads T with chance {:.4e} ((factor - 1) x error rate / 3), in every copy of that strand only, so C>T there is {} x the sequencer's; C>T at the CpG's C on the top strand, G>A at its G on the bottom",
                c.factor, c.rate, c.factor
            ));
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }

    /// Expected read pairs per unique fragment.
    pub(crate) fn mean_copies(&self) -> f64 {
        1.0 + self.dup_lambda
    }

    /// Tag and amplify one unique fragment whose bases (reference
    /// orientation) are `seq`.
    pub fn molecule(&self, rng: &mut SimRng, seq: &[u8]) -> Molecule {
        let r1_left_a = rng.next_u64() & 1 == 0;
        let umis = self
            .umi_length
            .map(|len| (random_umi(rng, len), random_umi(rng, len)));
        let copies = 1 + match self.dispersion {
            Some(k) => rng.negative_binomial(self.dup_lambda, k),
            None => rng.poisson(self.dup_lambda),
        };
        // Drawn after everything above, so that without these flags the
        // stream is what it always was.
        let pre = self.changes_templates().then(|| {
            let mut pre = Box::<PreSequencing>::default();
            for d in &self.damage {
                let (from, to) = (d.from as u8, d.to as u8);
                let bottom = (super::reads::complement(from), super::reads::complement(to));
                for (strand, (f, t)) in [(from, to), bottom].into_iter().enumerate() {
                    for (i, &b) in seq.iter().enumerate() {
                        if b == f && rng.uniform() < d.rate {
                            pre.damage[strand].push(Change {
                                pos: i as u32,
                                base: t,
                            });
                        }
                    }
                }
            }
            if let Some(c) = &self.cpg {
                // Top strand: the C of each 5'-CG-3' reads T. Bottom strand
                // (5'→3' the reverse complement): its CpG C is the top's G,
                // which reads A as the reference sees it.
                for (strand, (offset, to)) in [(0, b'T'), (1, b'A')].into_iter().enumerate() {
                    for i in cpg_starts(seq) {
                        if rng.uniform() < c.rate {
                            pre.damage[strand].push(Change {
                                pos: (i + offset) as u32,
                                base: to,
                            });
                        }
                    }
                }
            }
            pre
        });
        Molecule {
            r1_left_a,
            umis,
            copies,
            pre,
        }
    }

    /// The bases copy `copy` of `molecule` holds when it reaches the
    /// sequencer: the fragment's `seq` with its strand's damage and the PCR
    /// errors along its lineage (module docs). Without either model, `seq`
    /// itself and no draw.
    pub fn template<'t>(
        &self,
        rng: &mut SimRng,
        molecule: &mut Molecule,
        copy: &Copy,
        seq: &'t [u8],
        buf: &'t mut Vec<u8>,
    ) -> &'t [u8] {
        let Some(pre) = molecule.pre.as_deref_mut() else {
            return seq;
        };
        let strand = usize::from(!copy.r1_left);
        buf.clear();
        buf.extend_from_slice(seq);
        for d in &pre.damage[strand] {
            buf[d.pos as usize] = d.base;
        }
        if let Some(pcr) = &self.pcr {
            let mut path = 0u64;
            for k in 0..pcr.cycles {
                if rng.uniform() >= pcr.new_copy {
                    continue;
                }
                path |= 1 << k;
                let errors = pre.trees[strand]
                    .entry((k, path))
                    .or_insert_with(|| pcr_errors(rng, seq.len(), pcr.rate));
                for e in errors.iter() {
                    let b = &mut buf[e.pos as usize];
                    *b = substitute(*b, e.base as usize);
                }
            }
        }
        buf
    }

    /// A UMI as this copy's reads show it: each base substituted with
    /// `--umi-error-rate` (by one of the other three at equal chance). The
    /// `MI` tag keeps the molecule's true identity. Without the flag no
    /// draw is made, so the stream is what it always was.
    fn umi_read(&self, rng: &mut SimRng, umi: &str) -> String {
        if self.umi_error_rate <= 0.0 {
            return umi.to_string();
        }
        umi.bytes()
            .map(|b| {
                if rng.uniform() < self.umi_error_rate {
                    let others: Vec<u8> = b"ACGT".iter().copied().filter(|&x| x != b).collect();
                    others[rng.below(3) as usize] as char
                } else {
                    b as char
                }
            })
            .collect()
    }

    /// Copy `c` of `molecule`, fragment `m` of block `b` in sample `name`.
    pub fn copy(
        &self,
        rng: &mut SimRng,
        molecule: &Molecule,
        name: &str,
        (b, m, c): (usize, u64, u32),
    ) -> Copy {
        let strand_b = rng.next_u64() & 1 == 1;
        let r1_left = molecule.r1_left_a ^ strand_b;
        let (rx, qname, mi) = match &molecule.umis {
            Some((a, bb)) => {
                let (u1, u2) = if strand_b { (bb, a) } else { (a, bb) };
                let (u1, u2) = (self.umi_read(rng, u1), self.umi_read(rng, u2));
                (
                    Some(format!("{u1}-{u2}")),
                    format!("{name}:{b}:{m}:{c}:{u1}+{u2}"),
                    Some(format!("{b}:{m}/{}", if r1_left { 'A' } else { 'B' })),
                )
            }
            None => (None, format!("{name}:{b}:{m}:{c}"), None),
        };
        Copy {
            r1_left,
            strand_b,
            duplicate: c > 0,
            qname,
            rx,
            mi,
        }
    }
}

/// The per-strand deamination rate of a CpG C at `--cpg-factor factor`:
/// what it adds to the sequencer's `error_rate / 3` C>T makes `factor`
/// times that.
pub(crate) fn cpg_rate(factor: f64, error_rate: f64) -> f64 {
    (factor - 1.0) * error_rate / 3.0
}

/// 0-based positions of the C of each `CG` in `seq` (reference orientation).
fn cpg_starts(seq: &[u8]) -> impl Iterator<Item = usize> + '_ {
    seq.windows(2)
        .enumerate()
        .filter(|(_, w)| w == b"CG")
        .map(|(i, _)| i)
}

/// The substitutions one new copy of `len` bases gets at `rate` per base:
/// positions by geometric gaps (one draw per error, not per base), each
/// with which of the other three bases it becomes.
fn pcr_errors(rng: &mut SimRng, len: usize, rate: f64) -> Vec<Change> {
    let mut out = Vec::new();
    if rate <= 0.0 {
        return out;
    }
    let log_keep = (1.0 - rate).ln();
    let mut pos = 0usize;
    loop {
        // P(gap = g) = (1 − rate)^g · rate, g ≥ 0.
        let u = 1.0 - rng.uniform(); // (0, 1]
        let gap = (u.ln() / log_keep).floor();
        if gap >= (len - pos) as f64 {
            return out;
        }
        pos += gap as usize;
        out.push(Change {
            pos: pos as u32,
            base: rng.below(3) as u8,
        });
        pos += 1;
        if pos >= len {
            return out;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Family sizes (read pairs per unique fragment) with
    /// `--family-size-mean 5 --family-size-dispersion 1.5`: N − 1 ~ NB(4,
    /// 1.5), mean 5, variance 4 + 16 / 1.5 = 14.67. p = 1.5 / 5.5 = 0.273,
    /// excess kurtosis 6 / 1.5 + p² / (1.5 (1 − p)) = 4.07, mu4 = 7.07 ×
    /// 14.67² = 1,521. 100,000 families: the mean's sd is 0.0121 (5 sd =
    /// 0.061), the variance's sqrt((1521 − 215) / n) = 0.114 (5 sd = 0.57).
    /// Without a dispersion the sizes are 1 + Poisson(4): variance 4 (sd of
    /// the sample variance sqrt((3 · 16 + 4 − 16) / n) = 0.019; 5 sd = 0.095).
    #[test]
    fn family_sizes_are_one_plus_negative_binomial() {
        let moments = |p: &SimParams| {
            let lib = Library::new(p);
            let mut rng = SimRng::stream(12, &[]);
            let n = 100_000;
            let xs: Vec<f64> = (0..n)
                .map(|_| lib.molecule(&mut rng, b"ACGT").copies as f64)
                .collect();
            assert!(xs.iter().all(|&x| x >= 1.0));
            let m = xs.iter().sum::<f64>() / n as f64;
            let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1) as f64;
            (m, v)
        };
        let mut p = SimParams {
            family_size_mean: Some(5.0),
            family_size_dispersion: Some(1.5),
            ..SimParams::default()
        };
        let (m, v) = moments(&p);
        assert!((m - 5.0).abs() < 0.061, "{m}");
        assert!((v - 14.667).abs() < 0.57, "{v}");
        p.family_size_dispersion = None;
        let (m, v) = moments(&p);
        assert!((m - 5.0).abs() < 0.032, "{m}");
        assert!((v - 4.0).abs() < 0.095, "{v}");
    }

    /// `--umi-error-rate 0.02`, 2 × 8 UMI bases: over 20,000 copies of one
    /// molecule, 320,000 bases, 6,400 misread expected (binomial sd 79.2;
    /// 5 sd = 396); `MI` is untouched, and the read name carries the same
    /// UMIs as `RX`.
    #[test]
    fn umi_bases_are_misread_at_the_rate() {
        let p = SimParams {
            umi: true,
            umi_length: 8,
            umi_error_rate: Some(0.02),
            ..SimParams::default()
        };
        let lib = Library::new(&p);
        let mut rng = SimRng::stream(13, &[]);
        let mol = lib.molecule(&mut rng, b"ACGT");
        let (a, b) = mol.umis.clone().unwrap();
        let mut wrong = 0;
        for c in 0..20_000 {
            let copy = lib.copy(&mut rng, &mol, "s", (0, 0, c));
            let rx = copy.rx.unwrap();
            let (u1, u2) = rx.split_once('-').unwrap();
            // fgbio's rule: `/A` exactly when read 1 is the left read.
            assert_eq!(copy.mi.as_deref().unwrap().ends_with("/A"), copy.r1_left);
            let (t1, t2) = if copy.strand_b { (&b, &a) } else { (&a, &b) };
            wrong += u1.bytes().zip(t1.bytes()).filter(|(x, y)| x != y).count();
            wrong += u2.bytes().zip(t2.bytes()).filter(|(x, y)| x != y).count();
            assert!(copy.qname.ends_with(&format!("{u1}+{u2}")));
        }
        assert!((wrong as f64 - 6400.0).abs() < 396.0, "{wrong}");
    }

    /// A random fragment of `len` bases.
    fn random_seq(rng: &mut SimRng, len: usize) -> Vec<u8> {
        (0..len).map(|_| b"ACGT"[rng.below(4) as usize]).collect()
    }

    /// `n` reads' templates of `strand` (0 top, 1 bottom) of `mol`.
    fn templates(
        lib: &Library,
        rng: &mut SimRng,
        mol: &mut Molecule,
        strand: usize,
        seq: &[u8],
        n: usize,
    ) -> Vec<Vec<u8>> {
        let mut buf = Vec::new();
        (0..n)
            .map(|_| {
                lib.template(rng, mol, &copy_of(strand), seq, &mut buf)
                    .to_vec()
            })
            .collect()
    }

    /// A copy of `strand` (0 top, 1 bottom) for [`Library::template`].
    fn copy_of(strand: usize) -> Copy {
        Copy {
            r1_left: strand == 0,
            strand_b: false,
            duplicate: false,
            qname: String::new(),
            rx: None,
            mi: None,
        }
    }

    /// PCR errors, 10 cycles at full efficiency (q = 1/2), R = 2e-4 per
    /// base per duplication: 3,000 molecules of 2,000 bases, 16 reads of
    /// one strand each. A read's path has j ~ Bin(10, 1/2) new-copy steps,
    /// each adding a substitution per base with chance R, so a base differs
    /// from the fragment with chance 3/4 (1 − (1 − q · 4R/3)^C) = 9.991e-4
    /// (two errors at one base put it back with chance 1/3). Two reads of
    /// one strand share the errors of the nodes on their common path: a
    /// node of cycle k is on both paths with chance q² s^(k−1), s = q² +
    /// (1 − q)² = 1/2 the chance that two paths agree at a cycle, so they
    /// share S = Σ_k q² s^(k−1) R = 2q²(1 − 2^−10) R = 0.49951 R per base,
    /// and their other changes (u − S each, u the rate above) meet with the
    /// same result with chance (u − S)²/3 = 1.2e-6 more. Independent errors
    /// would share u²/3 = 3.3e-7 per base, 1/300 of that; a family all of
    /// whose reads carried every error, u = 2e-3. Tolerance: 5 standard errors of the mean over
    /// the 3,000 independent molecules (the sum within one molecule is
    /// correlated through the tree, so the spread is measured across them).
    #[test]
    fn pcr_errors_are_inherited_down_the_tree() {
        let (r, n, len, molecules) = (2e-4, 16, 2000, 3000);
        let p = SimParams {
            pcr_error_rate: Some(r),
            ..SimParams::default()
        };
        let lib = Library::new(&p);
        let mut rng = SimRng::stream(14, &[]);
        let (mut per_read, mut shared) = (Vec::new(), Vec::new());
        for _ in 0..molecules {
            let seq = random_seq(&mut rng, len);
            let mut mol = lib.molecule(&mut rng, &seq);
            let reads = templates(&lib, &mut rng, &mut mol, 0, &seq, n);
            let changed =
                |t: &[u8]| -> Vec<usize> { (0..len).filter(|&i| t[i] != seq[i]).collect() };
            let total: usize = reads.iter().map(|t| changed(t).len()).sum();
            per_read.push(total as f64 / (n * len) as f64);
            let mut both = 0;
            for a in 0..n {
                for b in a + 1..n {
                    both += changed(&reads[a])
                        .into_iter()
                        .filter(|&i| reads[b][i] == reads[a][i])
                        .count();
                }
            }
            shared.push(both as f64 / ((n * (n - 1) / 2) * len) as f64);
        }
        let mean_se = |xs: &[f64]| {
            let m = xs.iter().sum::<f64>() / xs.len() as f64;
            let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (xs.len() - 1) as f64;
            (m, (v / xs.len() as f64).sqrt())
        };
        let q: f64 = 0.5;
        let expected = 0.75 * (1.0 - (1.0 - q * 4.0 * r / 3.0).powi(10));
        let (m, se) = mean_se(&per_read);
        assert!((m - expected).abs() < 5.0 * se, "{m} ± {se} vs {expected}");
        let u = expected;
        let shared_nodes = 2.0 * q * q * (1.0 - 0.5f64.powi(10)) * r;
        let expected = shared_nodes + (u - shared_nodes).powi(2) / 3.0;
        let (m, se) = mean_se(&shared);
        assert!((m - expected).abs() < 5.0 * se, "{m} ± {se} vs {expected}");
        // The spread is that of a tree, not of a few independent errors.
        assert!(se < 0.05 * expected, "{se}");
    }

    /// An error made when a node's copy was made is in every read whose
    /// path passes through it: the first cycle's new copy (node (0, 1)) is
    /// on a read's path with chance q = 1/2, so its errors are in about
    /// half of the family. 400 molecules of 1,000 bases, R = 1e-3, 50 reads
    /// each. Per error of that node, the reads through the node carry it
    /// (Bin(50, 1/2), 25 expected) unless one of the other 9 cycles puts
    /// the base back (chance 9 q R / 3 each), and a read not through it
    /// shows a change there from its own path with chance 9 q R: expected
    /// 25 (1 − 1.5e-3) + 25 · 4.5e-3 = 25.075 carriers per error. The
    /// errors of one molecule share their reads, so the sum's variance is
    /// Σ_m e_m² · 12.5 (e_m the node's errors in molecule m); 5 sd.
    #[test]
    fn a_first_cycle_error_is_in_half_the_family() {
        let r = 1e-3;
        let p = SimParams {
            pcr_error_rate: Some(r),
            ..SimParams::default()
        };
        let lib = Library::new(&p);
        let mut rng = SimRng::stream(15, &[]);
        let mut buf = Vec::new();
        let (mut carry, mut owed, mut var) = (0usize, 0usize, 0.0);
        for _ in 0..400 {
            let seq = random_seq(&mut rng, 1000);
            let mut mol = lib.molecule(&mut rng, &seq);
            let reads = templates(&lib, &mut rng, &mut mol, 0, &seq, 50);
            let pre = mol.pre.as_ref().unwrap();
            let Some(first) = pre.trees[0].get(&(0, 1)) else {
                continue; // no read went through it: chance 2^-50
            };
            for e in first {
                let i = e.pos as usize;
                carry += reads.iter().filter(|t| t[i] != seq[i]).count();
            }
            owed += first.len();
            var += (first.len() * first.len()) as f64 * 12.5;
        }
        let per_error = 25.0 * (1.0 - 9.0 * 0.5 * r / 3.0) + 25.0 * 9.0 * 0.5 * r;
        let expected = owed as f64 * per_error;
        assert!(owed > 200, "{owed}");
        assert!(
            (carry as f64 - expected).abs() < 5.0 * var.sqrt(),
            "{carry} of {expected}"
        );
        // Each strand has its own tree: bottom-strand reads grow only the
        // bottom strand's, and start from the fragment, not from the top's.
        let seq = random_seq(&mut rng, 1000);
        let mut mol = lib.molecule(&mut rng, &seq);
        for _ in 0..50 {
            lib.template(&mut rng, &mut mol, &copy_of(1), &seq, &mut buf);
        }
        let pre = mol.pre.as_ref().unwrap();
        assert!(pre.trees[0].is_empty() && !pre.trees[1].is_empty());
    }

    /// `--damage G>T:0.05`: 200 molecules of 1,000 random bases, 6 reads of
    /// each strand. Every top-strand read shows the same changes, all G>T;
    /// every bottom-strand read the same, all C>A (G>T of the bottom
    /// strand); per strand, the damaged bases are Bin(#G, 0.05): about
    /// 50,000 G, 2,500 expected, sd 48.7; 5 sd = 244.
    #[test]
    fn damage_is_on_one_strand_in_all_its_reads() {
        let p = SimParams {
            damage: Damage::parse_list("G>T:0.05").unwrap(),
            ..SimParams::default()
        };
        let lib = Library::new(&p);
        let mut rng = SimRng::stream(16, &[]);
        let (mut g, mut c, mut top, mut bottom) = (0, 0, 0, 0);
        for _ in 0..200 {
            let seq = random_seq(&mut rng, 1000);
            let mut mol = lib.molecule(&mut rng, &seq);
            g += seq.iter().filter(|&&b| b == b'G').count();
            c += seq.iter().filter(|&&b| b == b'C').count();
            for (strand, (from, to)) in [(b'G', b'T'), (b'C', b'A')].into_iter().enumerate() {
                let reads = templates(&lib, &mut rng, &mut mol, strand, &seq, 6);
                assert!(reads.iter().all(|t| *t == reads[0]));
                for (i, (&t, &s)) in reads[0].iter().zip(&seq).enumerate() {
                    if t != s {
                        assert_eq!((s, t), (from, to), "base {i}");
                        if strand == 0 {
                            top += 1;
                        } else {
                            bottom += 1;
                        }
                    }
                }
            }
        }
        for (n, bases) in [(top, g), (bottom, c)] {
            let (e, sd) = (bases as f64 * 0.05, (bases as f64 * 0.05 * 0.95).sqrt());
            assert!((n as f64 - e).abs() < 5.0 * sd, "{n} of {bases}");
        }
    }

    /// `--cpg-factor 31 --error-rate 0.01`: each CpG C of each strand reads
    /// T with chance (31 − 1) · 0.01 / 3 = 0.1. 300 molecules of 1,000
    /// random bases (~62 CpGs each, ~18,700 in all), 4 reads of each
    /// strand: every top-strand read shows the same changes, all C>T at a
    /// CpG's C; every bottom-strand read the same, all G>A at a CpG's G;
    /// per strand Bin(#CpG, 0.1), sd ~41, 5 sd. No other base changes.
    #[test]
    fn cpg_deamination_is_at_cpg_on_one_strand() {
        let p = SimParams {
            cpg_factor: Some(31.0),
            error_rate: 0.01,
            ..SimParams::default()
        };
        let lib = Library::new(&p);
        assert!(lib.molecular());
        let rate = cpg_rate(31.0, 0.01);
        assert!((rate - 0.1).abs() < 1e-15);
        let mut rng = SimRng::stream(19, &[]);
        let (mut cpgs, mut changed) = (0usize, [0usize; 2]);
        for _ in 0..300 {
            let seq = random_seq(&mut rng, 1000);
            let mut mol = lib.molecule(&mut rng, &seq);
            cpgs += cpg_starts(&seq).count();
            for (strand, (offset, from, to)) in
                [(0, b'C', b'T'), (1, b'G', b'A')].into_iter().enumerate()
            {
                let reads = templates(&lib, &mut rng, &mut mol, strand, &seq, 4);
                assert!(reads.iter().all(|t| *t == reads[0]));
                for (i, (&t, &s)) in reads[0].iter().zip(&seq).enumerate() {
                    if t != s {
                        assert_eq!((s, t), (from, to), "strand {strand} base {i}");
                        let c = i - offset;
                        assert_eq!(&seq[c..c + 2], b"CG", "strand {strand} base {i}");
                        changed[strand] += 1;
                    }
                }
            }
        }
        let (e, sd) = (cpgs as f64 * 0.1, (cpgs as f64 * 0.1 * 0.9).sqrt());
        for n in changed {
            assert!((n as f64 - e).abs() < 5.0 * sd, "{n} of {cpgs}");
        }
        // A factor of 1 is off: no model, no draw.
        let off = Library::new(&SimParams {
            cpg_factor: Some(1.0),
            ..SimParams::default()
        });
        assert!(off.describe().is_none() && !off.molecular());
        assert!(lib.describe().unwrap().contains("1.0000e-1"));
    }

    #[test]
    fn damage_lists_parse() {
        let d = Damage::parse_list("G>T:0.01, c>t:1e-3").unwrap();
        assert_eq!(
            d,
            vec![
                Damage {
                    from: 'G',
                    to: 'T',
                    rate: 0.01
                },
                Damage {
                    from: 'C',
                    to: 'T',
                    rate: 0.001
                }
            ]
        );
        assert_eq!(d[1].to_string(), "C>T:0.001");
        for bad in [
            "G>G:0.1",
            "G>T",
            "GT:0.1",
            "G>N:0.1",
            "G>T:x",
            "G>T:0.1,G>T:0.2",
            "",
        ] {
            assert!(Damage::parse_list(bad).is_err(), "{bad}");
        }
    }

    /// Without the flags, a copy's template is the fragment itself.
    #[test]
    fn no_flags_no_changes() {
        let lib = Library::new(&SimParams::default());
        let mut rng = SimRng::stream(17, &[]);
        let seq = random_seq(&mut rng, 500);
        let mut mol = lib.molecule(&mut rng, &seq);
        assert!(mol.pre.is_none());
        let mut buf = Vec::new();
        let t = lib.template(&mut rng, &mut mol, &copy_of(0), &seq, &mut buf);
        assert_eq!(t, &seq[..]);
        assert!(lib.describe().is_none());
    }

    /// `--cpg-factor` is refused outside [1, 1000], without a sequencer
    /// error rate to multiply, and above 0.1 per base.
    #[test]
    fn cpg_settings_are_validated() {
        for (f, e, want) in [
            (0.5, 1e-3, "--cpg-factor must be in [1, 1000]"),
            (10.0, 0.0, "--cpg-factor multiplies"),
            (1000.0, 0.01, "must be at most 0.1 per base"),
        ] {
            let bad = SimParams {
                cpg_factor: Some(f),
                error_rate: e,
                ..SimParams::default()
            };
            let msg = bad.validate().unwrap_err().to_string();
            assert!(msg.contains(want), "{want} in {msg}");
        }
    }

    /// `--pcr-cycles 6 --pcr-efficiency 0.5`: a read's lineage is the new
    /// copy with chance q = 0.5 / 1.5 = 1/3 at each of 6 cycles, so a base
    /// differs with chance 3/4 (1 − (1 − q · 4R/3)^6) = 1.9956e-3 at R =
    /// 1e-3 (C q R = 2e-3; at full efficiency and 10 cycles it would be
    /// 5e-3). 2,000 molecules of 1,000 bases, 10 reads each; 5 standard
    /// errors of the mean over the independent molecules.
    #[test]
    fn cycles_and_efficiency_set_the_share() {
        let r = 1e-3;
        let p = SimParams {
            pcr_error_rate: Some(r),
            pcr_cycles: Some(6),
            pcr_efficiency: Some(0.5),
            ..SimParams::default()
        };
        let lib = Library::new(&p);
        let mut rng = SimRng::stream(18, &[]);
        let mut buf = Vec::new();
        let mut per_read = Vec::new();
        for _ in 0..2000 {
            let seq = random_seq(&mut rng, 1000);
            let mut mol = lib.molecule(&mut rng, &seq);
            let mut changed = 0;
            for _ in 0..10 {
                let t = lib.template(&mut rng, &mut mol, &copy_of(0), &seq, &mut buf);
                changed += t.iter().zip(&seq).filter(|(a, b)| a != b).count();
            }
            per_read.push(changed as f64 / 10_000.0);
        }
        let n = per_read.len() as f64;
        let m = per_read.iter().sum::<f64>() / n;
        let v = per_read.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0);
        let se = (v / n).sqrt();
        let q = 0.5 / 1.5;
        let expected = 0.75 * (1.0 - (1.0 - q * 4.0 * r / 3.0).powi(6));
        assert!((m - expected).abs() < 5.0 * se, "{m} ± {se} vs {expected}");
        assert!(lib.describe().unwrap().contains("6 cycles"));
    }

    /// The library settings are checked with the others, all together.
    #[test]
    fn library_settings_are_validated() {
        let bad = SimParams {
            pcr_cycles: Some(0),
            pcr_efficiency: Some(1.5),
            damage: vec![Damage {
                from: 'G',
                to: 'T',
                rate: 0.5,
            }],
            ..SimParams::default()
        };
        let e = bad.validate().unwrap_err().to_string();
        for want in [
            "--pcr-cycles and --pcr-efficiency need --pcr-error-rate",
            "--pcr-cycles must be in 1..=40",
            "--pcr-efficiency must be in (0, 1]",
            "--damage G>T:0.5",
        ] {
            assert!(e.contains(want), "{want} in {e}");
        }
        let bad = SimParams {
            pcr_error_rate: Some(0.2),
            ..SimParams::default()
        };
        assert!(bad
            .validate()
            .unwrap_err()
            .to_string()
            .contains("--pcr-error-rate must be"));
    }
}
