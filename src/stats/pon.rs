//! A panel of normals (PoN): what normal samples show at each site of a
//! panel, the beta-binomial fitted to it, the file it is kept in, and the
//! [`PonBackground`] that judges a sample's sites against it.
//!
//! Each site and allele (SNV, MNV or indel alike: the site's own ALT, as
//! the counting engine reads it) keeps every normal's alt and depth by
//! strand. The fit, after shearwater (deepSNV, Gerstung et al. 2014): the
//! mean is the pooled rate on each strand, the over-dispersion between
//! normals is Kleinman's method of moments ([`moment_rho`]). Moments rather
//! than maximum likelihood: at a clean site most normals show 0 or 1 alt,
//! where the likelihood in ρ is flat and its maximum sits on the boundary;
//! the moment estimate is closed-form, is 0 there, and is the estimator the
//! sample's own class rates already use, so the two agree in meaning.
//!
//! Flags: `germline`, a normal at VAF > [`GERMLINE_SHARE`] (a SNP, or a
//! clone): such normals are left out of the fit, and the site's calls say
//! so; `recurrent`, the alt well above each normal's own background
//! (binomial `p <` [`RECURRENT_P`]) in at least [`RECURRENT_MIN`] normals
//! and a tenth of them: a site-specific artefact, which the fit then holds.

use super::background::{
    moment_rho, BackgroundSource, BackgroundSummary, SiteBackground, SiteContext, SourceKind,
    GERMLINE_MIN_DEPTH, GERMLINE_SHARE,
};
use super::distributions::binomial_sf;
use crate::count::{CountOptions, SiteCounts};
use crate::panel::Panel;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

/// The file format's version, the first header line's value.
pub const FORMAT_VERSION: u32 = 1;
/// A normal's alt is "well above its background" below this binomial p.
pub const RECURRENT_P: f64 = 1e-3;
/// … and a site is `recurrent` when at least this many normals (and a
/// tenth of them) are.
pub const RECURRENT_MIN: usize = 2;
/// How many fragments the sample's own class rate weighs against the PoN
/// at a site: `rate = (D·pon + W·class) / (D + W)` over the PoN's depth
/// `D` there. One normal's worth at typical panel depth, so a PoN of ten
/// or more normals speaks for itself and a site no normal covered falls
/// back on the class rate entirely.
pub const PRIOR_DEPTH: f64 = 1000.0;

/// One normal at one site: what the counting engine saw (strand = read
/// 1's; `depth` also holds fragments that showed neither allele, as the
/// site test's depth does).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NormalObs {
    pub alt_fwd: u64,
    pub alt_rev: u64,
    pub depth_fwd: u64,
    pub depth_rev: u64,
    pub depth: u64,
}

impl NormalObs {
    pub fn of(c: &SiteCounts) -> Self {
        NormalObs {
            alt_fwd: c.alt_fwd,
            alt_rev: c.alt_rev,
            depth_fwd: c.ref_fwd + c.alt_fwd,
            depth_rev: c.ref_rev + c.alt_rev,
            depth: c.depth(),
        }
    }

    pub fn alt(&self) -> u64 {
        self.alt_fwd + self.alt_rev
    }

    /// A SNP or a clone, not error.
    pub fn looks_germline(&self) -> bool {
        self.depth >= GERMLINE_MIN_DEPTH as u64
            && self.alt() as f64 > GERMLINE_SHARE * self.depth as f64
    }
}

/// The beta-binomial fitted over a site's normals (germline ones left out).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PonFit {
    pub alt: u64,
    pub depth: u64,
    pub alt_fwd: u64,
    pub depth_fwd: u64,
    pub alt_rev: u64,
    pub depth_rev: u64,
    /// Normals that entered the fit.
    pub normals: usize,
    /// Method-of-moments over-dispersion between normals, in [0, 0.5].
    pub rho: f64,
}

impl PonFit {
    pub fn of(obs: &[NormalObs]) -> Self {
        let kept: Vec<&NormalObs> = obs.iter().filter(|o| !o.looks_germline()).collect();
        let sum = |f: fn(&NormalObs) -> u64| kept.iter().map(|o| f(o)).sum::<u64>();
        let pairs: Vec<(u64, u64)> = kept.iter().map(|o| (o.alt(), o.depth)).collect();
        PonFit {
            alt: sum(NormalObs::alt),
            depth: sum(|o| o.depth),
            alt_fwd: sum(|o| o.alt_fwd),
            depth_fwd: sum(|o| o.depth_fwd),
            alt_rev: sum(|o| o.alt_rev),
            depth_rev: sum(|o| o.depth_rev),
            normals: kept.len(),
            rho: moment_rho(&pairs),
        }
    }

    /// The pooled alt rate, `None` where no normal had depth.
    pub fn rate(&self) -> Option<f64> {
        (self.depth > 0).then(|| self.alt as f64 / self.depth as f64)
    }

    /// The rate a site read on `strands` (forward, reverse) sees: the two
    /// strands' rates weighted by the site's own mix, as the class rates
    /// are; the pooled rate when a strand had no depth in the PoN.
    pub fn rate_for(&self, strands: (u64, u64)) -> Option<f64> {
        let pooled = self.rate()?;
        let (f, v) = (strands.0 as f64, strands.1 as f64);
        if f + v == 0.0 || self.depth_fwd == 0 || self.depth_rev == 0 {
            return Some(pooled);
        }
        let fwd = self.alt_fwd as f64 / self.depth_fwd as f64;
        let rev = self.alt_rev as f64 / self.depth_rev as f64;
        Some((f * fwd + v * rev) / (f + v))
    }
}

/// One site of the PoN.
#[derive(Debug, Clone, PartialEq)]
pub struct PonSite {
    pub id: String,
    pub contig: String,
    pub pos: u64,
    pub ref_allele: String,
    pub alt_allele: String,
    /// One per normal, in the header's sample order.
    pub normals: Vec<NormalObs>,
    /// Normals that look germline here (left out of the fit).
    pub germline: usize,
    /// Normals whose alt is well above their own background here.
    pub recurrent: usize,
    pub fit: PonFit,
}

impl PonSite {
    /// The site's flags, as the calls' `background_source` shows them
    /// after `pon:` (empty when none).
    pub fn flags(&self) -> Vec<&'static str> {
        let n = self.normals.len();
        let mut flags = Vec::new();
        if self.germline > 0 {
            flags.push("germline");
        }
        if self.recurrent >= RECURRENT_MIN && self.recurrent * 10 >= n {
            flags.push("recurrent");
        }
        flags
    }
}

/// What a PoN was built from, which a sample must share to be judged by it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PonHeader {
    pub version: u32,
    /// The panel as given (`demo` or its path), for messages.
    pub panel: String,
    /// [`panel_checksum`] of the resolved panel.
    pub checksum: String,
    pub unit: String,
    /// [`settings`] of the counting options.
    pub settings: String,
    /// What each normal's own background was for the `recurrent` flag.
    pub background: String,
    pub samples: Vec<String>,
}

/// A panel of normals: its header and one row per panel site.
#[derive(Debug, Clone, PartialEq)]
pub struct Pon {
    pub header: PonHeader,
    pub sites: Vec<PonSite>,
}

/// A PoN that cannot be read, or is not for this sample.
#[derive(Debug, thiserror::Error)]
pub enum PonError {
    #[error("cannot read panel of normals {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}: not a cfspot panel of normals: {detail} (build one with `cfspot pon -o PON.tsv NORMAL...`)")]
    Format {
        path: PathBuf,
        line: usize,
        detail: String,
    },
    #[error("panel of normals {path} was built with {what} {pon}, but this run uses {here}: build the PoN with the same {what} (`cfspot pon`), or call without --pon")]
    Mismatch {
        path: PathBuf,
        what: &'static str,
        pon: String,
        here: String,
    },
    #[error("panel of normals: no normals given")]
    NoNormals,
}

/// A checksum of the resolved panel: CRC-32 of each site's contig, position,
/// REF, ALT and id, one line each, in panel order. Another panel (or the
/// same one resolved against another reference) has another checksum.
pub fn panel_checksum(panel: &Panel) -> String {
    let mut text = Vec::new();
    for h in &panel.hotspots {
        let line = format!(
            "{}\t{}\t{}\t{}\t{}\n",
            h.contig, h.pos, h.ref_allele, h.alt_allele, h.id
        );
        text.extend_from_slice(line.as_bytes());
    }
    format!(
        "crc32:{:08x}:{}",
        libdeflater::crc32(&text),
        panel.hotspots.len()
    )
}

/// The counting settings that change what a count means (the unit is kept
/// apart), as one line.
pub fn settings(opts: &CountOptions) -> String {
    format!(
        "min_mapq={} min_baseq={} include_flags={:#x} exclude_flags={:#x}",
        opts.min_mapq, opts.min_baseq, opts.include_flags, opts.exclude_flags
    )
}

impl Pon {
    /// Build a PoN from normals counted at `panel`'s sites. `backgrounds[j]`
    /// is normal `j`'s own background, which the `recurrent` flag tests each
    /// normal's alt against.
    pub fn build(
        header: PonHeader,
        panel: &Panel,
        normals: &[Vec<SiteCounts>],
        backgrounds: &[&dyn BackgroundSource],
    ) -> Result<Pon, PonError> {
        if normals.is_empty() {
            return Err(PonError::NoNormals);
        }
        let contexts: Vec<Vec<SiteContext>> = normals
            .iter()
            .map(|counts| SiteContext::for_sites(&panel.hotspots, counts))
            .collect();
        let sites = panel
            .hotspots
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let obs: Vec<NormalObs> = normals.iter().map(|n| NormalObs::of(&n[i])).collect();
                let recurrent = obs
                    .iter()
                    .zip(&contexts)
                    .zip(backgrounds)
                    .filter(|((o, ctx), bg)| {
                        let e = bg.for_site(&ctx[i]).rate;
                        !o.looks_germline()
                            && o.alt() > 0
                            && binomial_sf(o.alt(), o.depth, e) < RECURRENT_P
                    })
                    .count();
                PonSite {
                    id: h.id.clone(),
                    contig: h.contig.clone(),
                    pos: h.pos,
                    ref_allele: h.ref_allele.clone(),
                    alt_allele: h.alt_allele.clone(),
                    germline: obs.iter().filter(|o| o.looks_germline()).count(),
                    recurrent,
                    fit: PonFit::of(&obs),
                    normals: obs,
                }
            })
            .collect();
        Ok(Pon { header, sites })
    }

    /// Refuse a PoN that is not for this panel, unit and settings, naming
    /// both sides.
    pub fn check(
        &self,
        path: &Path,
        panel: &Panel,
        source: &str,
        opts: &CountOptions,
    ) -> Result<(), PonError> {
        let h = &self.header;
        let mismatch = |what, pon: String, here: String| {
            Err(PonError::Mismatch {
                path: path.to_owned(),
                what,
                pon,
                here,
            })
        };
        let checksum = panel_checksum(panel);
        if h.checksum != checksum {
            return mismatch(
                "panel",
                format!("{} ({})", h.panel, h.checksum),
                format!("{source} ({checksum})"),
            );
        }
        if h.unit != opts.unit.as_str() {
            return mismatch("unit", h.unit.clone(), opts.unit.as_str().into());
        }
        let here = settings(opts);
        if h.settings != here {
            return mismatch("settings", h.settings.clone(), here);
        }
        Ok(())
    }

    /// Write the PoN as the README's "Output: panel of normals" says.
    pub fn write<W: Write>(&self, mut out: W) -> std::io::Result<()> {
        let h = &self.header;
        writeln!(out, "##cfspot_pon={}", h.version)?;
        writeln!(out, "##panel={}", h.panel)?;
        writeln!(out, "##panel_checksum={}", h.checksum)?;
        writeln!(out, "##unit={}", h.unit)?;
        writeln!(out, "##settings={}", h.settings)?;
        writeln!(out, "##normal_background={}", h.background)?;
        writeln!(out, "##samples={}", h.samples.join(","))?;
        writeln!(out, "{}", COLUMNS.join("\t"))?;
        for s in &self.sites {
            let list = |f: fn(&NormalObs) -> u64| {
                let v: Vec<String> = s.normals.iter().map(|o| f(o).to_string()).collect();
                v.join(",")
            };
            let f = &s.fit;
            let rate = f.rate().map(|r| format!("{r:.4e}")).unwrap_or_default();
            let flags = s.flags().join(",");
            writeln!(
                out,
                "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{rate}\t{:.4e}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                s.id,
                s.contig,
                s.pos,
                s.ref_allele,
                s.alt_allele,
                f.normals,
                f.alt,
                f.depth,
                f.rho,
                s.germline,
                s.recurrent,
                if flags.is_empty() { "." } else { &flags },
                list(|o| o.alt_fwd),
                list(|o| o.alt_rev),
                list(|o| o.depth_fwd),
                list(|o| o.depth_rev),
                list(|o| o.depth),
            )?;
        }
        out.flush()
    }

    /// Read a PoN written by [`Pon::write`]. The fit is recomputed from the
    /// per-normal counts (the written one is for people), so a read PoN
    /// is the PoN that was written.
    pub fn read(path: &Path) -> Result<Pon, PonError> {
        let file = std::fs::File::open(path).map_err(|source| PonError::Io {
            path: path.to_owned(),
            source,
        })?;
        let bad = |line: usize, detail: String| PonError::Format {
            path: path.to_owned(),
            line,
            detail,
        };
        let mut meta = std::collections::BTreeMap::new();
        let mut sites = Vec::new();
        let mut columns_seen = false;
        for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
            let n = i + 1;
            let line = line.map_err(|source| PonError::Io {
                path: path.to_owned(),
                source,
            })?;
            if let Some(kv) = line.strip_prefix("##") {
                let (k, v) = kv
                    .split_once('=')
                    .ok_or_else(|| bad(n, format!("header line {line:?} has no `=`")))?;
                meta.insert(k.to_string(), v.to_string());
                continue;
            }
            if !columns_seen {
                if line != COLUMNS.join("\t") {
                    return Err(bad(n, "the column header is not the PoN's".into()));
                }
                columns_seen = true;
                continue;
            }
            sites.push(parse_site(&line, n, &bad)?);
        }
        let get = |k: &str| {
            meta.get(k)
                .cloned()
                .ok_or_else(|| bad(1, format!("no ##{k}= header line")))
        };
        let version = get("cfspot_pon")?;
        if version != FORMAT_VERSION.to_string() {
            return Err(bad(
                1,
                format!("format version {version}; this cfspot reads version {FORMAT_VERSION}"),
            ));
        }
        let samples: Vec<String> = get("samples")?.split(',').map(String::from).collect();
        if let Some(s) = sites.iter().find(|s| s.normals.len() != samples.len()) {
            return Err(bad(
                1,
                format!(
                    "site {} has {} normals, the header names {}",
                    s.id,
                    s.normals.len(),
                    samples.len()
                ),
            ));
        }
        Ok(Pon {
            header: PonHeader {
                version: FORMAT_VERSION,
                panel: get("panel")?,
                checksum: get("panel_checksum")?,
                unit: get("unit")?,
                settings: get("settings")?,
                background: get("normal_background")?,
                samples,
            },
            sites,
        })
    }
}

/// The PoN's columns, in order.
const COLUMNS: [&str; 18] = [
    "id",
    "contig",
    "pos",
    "ref",
    "alt",
    "normals_fitted",
    "alt_total",
    "depth_total",
    "rate",
    "rho",
    "germline_normals",
    "recurrent_normals",
    "flags",
    "alt_fwd",
    "alt_rev",
    "depth_fwd",
    "depth_rev",
    "depth",
];

fn parse_site(
    line: &str,
    n: usize,
    bad: &dyn Fn(usize, String) -> PonError,
) -> Result<PonSite, PonError> {
    let f: Vec<&str> = line.split('\t').collect();
    if f.len() != COLUMNS.len() {
        return Err(bad(
            n,
            format!("{} fields, the PoN has {}", f.len(), COLUMNS.len()),
        ));
    }
    let num = |col: usize| {
        f[col]
            .parse::<u64>()
            .map_err(|_| bad(n, format!("{} is not a count: {:?}", COLUMNS[col], f[col])))
    };
    let list = |col: usize| -> Result<Vec<u64>, PonError> {
        f[col]
            .split(',')
            .map(|x| {
                x.parse::<u64>()
                    .map_err(|_| bad(n, format!("{} holds {x:?}, not a count", COLUMNS[col])))
            })
            .collect()
    };
    let (af, ar, df, dr, d) = (list(13)?, list(14)?, list(15)?, list(16)?, list(17)?);
    if [ar.len(), df.len(), dr.len(), d.len()]
        .iter()
        .any(|&l| l != af.len())
    {
        return Err(bad(n, "the per-normal lists differ in length".into()));
    }
    let normals: Vec<NormalObs> = (0..af.len())
        .map(|j| NormalObs {
            alt_fwd: af[j],
            alt_rev: ar[j],
            depth_fwd: df[j],
            depth_rev: dr[j],
            depth: d[j],
        })
        .collect();
    Ok(PonSite {
        id: f[0].to_string(),
        contig: f[1].to_string(),
        pos: num(2)?,
        ref_allele: f[3].to_string(),
        alt_allele: f[4].to_string(),
        germline: num(10)? as usize,
        recurrent: num(11)? as usize,
        fit: PonFit::of(&normals),
        normals,
    })
}

/// Sites judged against a panel of normals: each site's null is its PoN
/// beta-binomial, shrunk towards the sample's own background (`fallback`,
/// its class rates or a fixed rate) by [`PRIOR_DEPTH`] pseudo-fragments,
/// its over-dispersion widened by the rate's own uncertainty.
/// The rows must be the panel's, in order ([`Pon::check`]).
#[derive(Debug)]
pub struct PonBackground {
    pon: Pon,
    path: String,
    fallback: Box<dyn BackgroundSource>,
}

impl PonBackground {
    pub fn new(pon: Pon, path: &Path, fallback: Box<dyn BackgroundSource>) -> Self {
        PonBackground {
            pon,
            path: path.display().to_string(),
            fallback,
        }
    }
}

impl BackgroundSource for PonBackground {
    fn for_site(&self, site: &SiteContext) -> SiteBackground {
        let prior = self.fallback.for_site(site);
        let Some(s) = self.pon.sites.get(site.index) else {
            return prior;
        };
        let Some(pon_rate) = s.fit.rate_for(site.strands) else {
            // No normal read the site: the sample's own background alone.
            return prior;
        };
        let d = s.fit.depth as f64;
        let w = PRIOR_DEPTH;
        let flags = s.flags();
        SiteBackground {
            rate: (d * pon_rate + w * prior.rate) / (d + w),
            // Between normals, shrunk alike; plus the rate's own
            // uncertainty: its posterior is Beta with α + β = D + W, so a
            // new sample's alt count is beta-binomial with ρ = 1/(D + W + 1)
            // more (variances add), which keeps a thin PoN from judging
            // small counts against a rate known to less than it says.
            rho: ((d * s.fit.rho + w * prior.rho) / (d + w) + 1.0 / (d + w + 1.0)).min(0.5),
            source: if flags.is_empty() {
                "pon".into()
            } else {
                format!("pon:{}", flags.join(","))
            },
            judged_by: SourceKind::Pon,
        }
    }

    fn summary(&self) -> BackgroundSummary {
        let mut s = self.fallback.summary();
        s.source = format!(
            "panel of normals {} ({} normals; shrunk towards {} by {} fragments)",
            self.path,
            self.pon.header.samples.len(),
            s.source,
            PRIOR_DEPTH
        );
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::background::FixedRate;

    fn counts(alt_fwd: u64, alt_rev: u64, depth: u64) -> SiteCounts {
        SiteCounts {
            alt_fwd,
            alt_rev,
            ref_fwd: depth / 2 - alt_fwd,
            ref_rev: depth - depth / 2 - alt_rev,
            ..SiteCounts::default()
        }
    }

    fn panel() -> Panel {
        let site = |id: &str, pos, r: &str, a: &str| crate::panel::Hotspot {
            contig: "chrT".into(),
            pos,
            ref_allele: r.into(),
            alt_allele: a.into(),
            id: id.into(),
            gene: String::new(),
            label: String::new(),
            origin: "test".into(),
        };
        Panel {
            source: "test".into(),
            hotspots: vec![site("a", 10, "C", "T"), site("b", 50, "GAATT", "G")],
            contigs: Vec::new(),
        }
    }

    fn header(n: usize) -> PonHeader {
        PonHeader {
            version: FORMAT_VERSION,
            panel: "test".into(),
            checksum: panel_checksum(&panel()),
            unit: "fragment".into(),
            settings: settings(&CountOptions::default()),
            background: "fixed rate 0.0001".into(),
            samples: (0..n).map(|j| format!("n{j}")).collect(),
        }
    }

    /// Three normals: site a with an artefact on every normal (5, 6, 4 of
    /// 1000), site b clean but one normal heterozygous (500 of 1000).
    fn built() -> Pon {
        let normals = vec![
            vec![counts(3, 2, 1000), counts(0, 0, 1000)],
            vec![counts(3, 3, 1000), counts(250, 250, 1000)],
            vec![counts(2, 2, 1000), counts(0, 1, 1000)],
        ];
        let bg = FixedRate(1e-4);
        let bgs: Vec<&dyn BackgroundSource> = vec![&bg; 3];
        Pon::build(header(3), &panel(), &normals, &bgs).unwrap()
    }

    #[test]
    fn fit_and_flags() {
        let pon = built();
        let a = &pon.sites[0];
        assert_eq!((a.fit.alt, a.fit.depth, a.fit.normals), (15, 3000, 3));
        // P(X ≥ 4) for Binomial(1000, 1e-4) = 3.9e-6 < 1e-3: all three.
        assert_eq!(a.recurrent, 3);
        assert_eq!(a.flags(), ["recurrent"]);
        let b = &pon.sites[1];
        // The heterozygous normal is left out of the fit and flagged.
        assert_eq!((b.germline, b.fit.normals), (1, 2));
        assert_eq!((b.fit.alt, b.fit.depth), (1, 2000));
        assert_eq!(b.flags(), ["germline"]);
        // Normals that agree exactly have no over-dispersion.
        let same = PonFit::of(&[NormalObs::of(&counts(2, 3, 1000)); 3]);
        assert_eq!(same.rho, 0.0);
    }

    #[test]
    fn round_trip_is_exact() {
        let pon = built();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pon.tsv");
        pon.write(std::fs::File::create(&path).unwrap()).unwrap();
        let back = Pon::read(&path).unwrap();
        assert_eq!(back, pon);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("##cfspot_pon=1\n##panel=test\n"), "{text}");
        assert!(text.contains("\nb\tchrT\t50\tGAATT\tG\t2\t1\t2000\t5.0000e-4\t"));
    }

    #[test]
    fn a_pon_for_another_panel_unit_or_settings_is_refused() {
        let pon = built();
        let p = Path::new("pon.tsv");
        let opts = CountOptions::default();
        pon.check(p, &panel(), "test", &opts).unwrap();
        let mut other = panel();
        other.hotspots[0].alt_allele = "A".into();
        let e = pon.check(p, &other, "other.vcf", &opts).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("built with panel test (crc32:"), "{msg}");
        assert!(msg.contains("this run uses other.vcf (crc32:"), "{msg}");
        let reads = CountOptions {
            unit: crate::count::Unit::Read,
            ..opts.clone()
        };
        let msg = pon
            .check(p, &panel(), "test", &reads)
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("unit fragment, but this run uses read"),
            "{msg}"
        );
        let mapq = CountOptions {
            min_mapq: 30,
            ..opts
        };
        let msg = pon
            .check(p, &panel(), "test", &mapq)
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("min_mapq=20") && msg.contains("min_mapq=30"),
            "{msg}"
        );
    }

    #[test]
    fn thin_pons_shrink_towards_the_sample() {
        let pon = built();
        let p = panel();
        let counts = vec![counts(0, 0, 1000), counts(0, 0, 1000)];
        let ctx = SiteContext::for_sites(&p.hotspots, &counts);
        let bg = PonBackground::new(pon, Path::new("pon.tsv"), Box::new(FixedRate(1e-3)));
        // Site a: 15 of 3000 (both strands alike in weight), 1000 prior
        // fragments at 1e-3: (15 + 1) / 4000.
        let a = bg.for_site(&ctx[0]);
        assert!((a.rate - 16.0 / 4000.0).abs() < 1e-15, "{}", a.rate);
        assert_eq!(
            (a.source.as_str(), a.judged_by),
            ("pon:recurrent", SourceKind::Pon)
        );
        // Site b (an indel) has its own rate: 1 of 2000 and the prior.
        // ρ: the normals' (3000·ρ̂ + 1000·0) / 4000 and 1/4001 for the
        // rate's own uncertainty.
        let rho_a = 3000.0 * built().sites[0].fit.rho / 4000.0 + 1.0 / 4001.0;
        assert!((a.rho - rho_a).abs() < 1e-15, "{} vs {rho_a}", a.rho);
        let b = bg.for_site(&ctx[1]);
        assert!((b.rate - 2.0 / 3000.0).abs() < 1e-15, "{}", b.rate);
        assert_eq!(b.source, "pon:germline");
    }
}
