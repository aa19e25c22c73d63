//! The verdict at the top of the page: the sample's status in words, the
//! tumour fraction on a linear strip (interval, threshold, sample LoD) and
//! the key numbers. The numbers are counts at scale: a list of the sites
//! used for the tumour fraction is written out only for a panel shown whole.

use super::svg::{esc, f1, int, nice_axis, pct, BLUE, INK, ORANGE, VERMILLION};
use crate::report::calls::Summary;
use crate::stats::normal::NormalSummary;
use std::fmt::Write as _;

/// `sites`: the panel's size; `whole`: the panel is shown whole (the sites
/// used for TF by name, else their number).
pub(super) fn verdict(h: &mut String, s: &Summary, sites: usize, whole: bool) -> std::fmt::Result {
    let tf = &s.tumour_fraction;
    let (accent, headline) = match s.status {
        "CTDNA_DETECTED" => (VERMILLION, "ctDNA detected above the threshold"),
        "BELOW_THRESHOLD" => (ORANGE, "ctDNA seen, not clearly above the threshold"),
        _ => (BLUE, "No ctDNA detected"),
    };
    let lod = s
        .sample_lod
        .map(pct)
        .unwrap_or_else(|| "not reachable (no depth)".into());
    let interval = format!(
        "{} (95 % CI {}–{})",
        pct(tf.estimate),
        pct(tf.lo),
        tf.hi.map(pct).unwrap_or_else(|| "–".into())
    );
    let why = match s.status {
        "CTDNA_DETECTED" => format!(
            "Tumour fraction {interval}: the whole interval lies above the {} threshold.",
            pct(s.threshold)
        ),
        "BELOW_THRESHOLD" => format!(
            "Tumour fraction {interval}: the interval reaches down to the {} threshold.",
            pct(s.threshold)
        ),
        _ if s.sites_used.is_empty() => format!(
            "No hotspot is above background. This sample would detect a tumour fraction of {lod} with 95 % probability (threshold {}).",
            pct(s.threshold)
        ),
        _ => format!(
            "Tumour fraction {interval} is not distinguishable from 0 (threshold {}).",
            pct(s.threshold)
        ),
    };
    writeln!(
        h,
        "<section class=\"verdict\" id=\"verdict\" style=\"--accent:{accent}\">"
    )?;
    writeln!(
        h,
        "<p class=\"status\">{headline} <span class=\"code\">{}</span></p>",
        esc(s.status)
    )?;
    writeln!(h, "<p class=\"why\">{}</p>", esc(&why))?;
    tf_strip(h, s)?;
    writeln!(h, "<div class=\"grid\">")?;
    let used = if s.sites_used.is_empty() {
        "none".to_string()
    } else if whole {
        s.sites_used.join(", ")
    } else {
        format!(
            "{} of {}",
            int(s.sites_used.len() as u64),
            int(sites as u64)
        )
    };
    let dup =
        s.qc.duplicate_share
            .map(pct)
            .unwrap_or_else(|| "unknown".into());
    let mode_len =
        s.qc.fragment_length_mode
            .map(|l| format!("{l} bp"))
            .unwrap_or_else(|| "–".into());
    let items: [(&str, String); 11] = [
        ("Counted in", s.count.unit.noun().to_string()),
        ("Tumour fraction", pct(tf.estimate)),
        (
            "95 % interval",
            match tf.hi {
                Some(hi) => format!("{} – {}", pct(tf.lo), pct(hi)),
                None => "– (nothing detected to bound it)".into(),
            },
        ),
        ("Threshold", pct(s.threshold)),
        ("Sample LoD (95 %)", lod.clone()),
        ("Mode", s.mode.replace('_', " ")),
        ("Detected hotspots", detected(s, sites, whole)),
        ("Sites used for TF", used),
        ("Median depth", format!("{}", s.qc.median_depth)),
        ("Fragment-length mode", mode_len),
        ("Duplicate share", dup),
    ];
    for (k, v) in items {
        writeln!(
            h,
            "<div class=\"kv\"><div class=\"k\">{}</div><div class=\"v\">{}</div></div>",
            esc(k),
            esc(&v)
        )?;
    }
    writeln!(h, "</div>\n</section>")
}

/// What the matched normal changed (`call --normal`): the sites labelled
/// `CHIP_OR_GERMLINE` and kept out of the tumour fraction, and where the
/// normal was too thin to tell; by name for a panel shown whole.
pub(super) fn matched_normal(h: &mut String, n: &NormalSummary, whole: bool) -> std::fmt::Result {
    let list = |ids: &[String]| {
        if ids.is_empty() {
            "none".to_string()
        } else if whole {
            ids.join(", ")
        } else {
            int(ids.len() as u64)
        }
    };
    writeln!(
        h,
        "<section id=\"matched-normal\"><h2>Matched normal: {}</h2>",
        esc(&n.sample)
    )?;
    writeln!(
        h,
        "<p><span class=\"badge\" style=\"--c:{BLUE}\">CHIP_OR_GERMLINE</span> {} site(s) whose alt the white-cell normal carries: clonal haematopoiesis or germline, not tumour, kept out of the tumour fraction and the sample LoD: {}.</p>",
        int(n.chip_or_germline.len() as u64),
        esc(&list(&n.chip_or_germline))
    )?;
    writeln!(h, "<ul>")?;
    for (what, ids) in [
        ("At a germline VAF (near ½ or 1)", &n.germline),
        (
            "Plasma VAF far above the normal's (tumour on top of CHIP is possible; still kept out)",
            &n.plasma_excess,
        ),
        (
            "The normal too thin to tell (normal_uninformative; the plasma's call stands)",
            &n.uninformative,
        ),
        (
            "In the normal but not above background in the plasma (normal_only; the plasma's call stands)",
            &n.normal_only,
        ),
    ] {
        writeln!(h, "<li>{}: {}</li>", esc(what), esc(&list(ids)))?;
    }
    writeln!(
        h,
        "</ul>\n<p class=\"muted\">The normal's alt count is tested against its own background at α = {} per site, and a site is labelled only when the plasma's alt is above its own background too; the normal's median depth is {}.</p>\n</section>",
        n.level, n.median_depth
    )
}

/// The number detected; at scale, of how many.
fn detected(s: &Summary, sites: usize, whole: bool) -> String {
    if whole {
        format!("{}", s.detected.len())
    } else {
        format!("{} of {}", int(s.detected.len() as u64), int(sites as u64))
    }
}

/// The tumour fraction on a linear axis: interval, estimate, threshold and
/// sample LoD.
fn tf_strip(h: &mut String, s: &Summary) -> std::fmt::Result {
    let tf = &s.tumour_fraction;
    let top = [
        tf.hi.unwrap_or(0.0),
        s.threshold,
        s.sample_lod.unwrap_or(0.0),
    ]
    .into_iter()
    .filter(|v| v.is_finite())
    .fold(0.0f64, f64::max)
        * 1.15;
    let (max, step) = nice_axis(top.max(1e-4));
    let (w, x0, x1) = (1100.0, 20.0, 1080.0);
    let x = |v: f64| x0 + (v.clamp(0.0, max) / max) * (x1 - x0);
    writeln!(
        h,
        "<figure><svg viewBox=\"0 0 {w} 92\" role=\"img\" aria-labelledby=\"tf-title\"><title id=\"tf-title\">Tumour fraction {} with its 95 % interval {}–{}, threshold {}</title>",
        pct(tf.estimate),
        pct(tf.lo),
        tf.hi.map(pct).unwrap_or_else(|| "–".into()),
        pct(s.threshold)
    )?;
    // Axis.
    let ya = 58.0;
    writeln!(
        h,
        "<line x1=\"{x0}\" y1=\"{ya}\" x2=\"{x1}\" y2=\"{ya}\" stroke=\"{INK}\"/>"
    )?;
    let mut t = 0.0;
    while t <= max * 1.000001 {
        writeln!(
            h,
            "<line x1=\"{0}\" y1=\"{ya}\" x2=\"{0}\" y2=\"{1}\" stroke=\"{INK}\"/><text x=\"{0}\" y=\"{2}\" font-size=\"12\" text-anchor=\"middle\">{3}</text>",
            f1(x(t)),
            ya + 5.0,
            ya + 19.0,
            esc(&pct(t))
        )?;
        t += step;
    }
    // Threshold.
    let xt = x(s.threshold);
    writeln!(
        h,
        "<line x1=\"{0}\" y1=\"14\" x2=\"{0}\" y2=\"{ya}\" stroke=\"{ORANGE}\" stroke-width=\"2.5\" stroke-dasharray=\"6 4\"/><text x=\"{1}\" y=\"12\" font-size=\"12\" text-anchor=\"start\">threshold {2}</text>",
        f1(xt),
        f1(xt + 4.0),
        esc(&pct(s.threshold))
    )?;
    // Sample LoD.
    if let Some(l) = s.sample_lod {
        let xl = x(l);
        writeln!(
            h,
            "<path d=\"M{0} {1} l-5 -8 h10 z\" fill=\"{BLUE}\"><title>sample LoD {2}</title></path><text x=\"{0}\" y=\"{3}\" font-size=\"11\" text-anchor=\"middle\" fill=\"{BLUE}\">LoD</text>",
            f1(xl),
            ya - 1.0,
            esc(&pct(l)),
            ya - 12.0
        )?;
    }
    // Interval and estimate (only when something was estimated).
    if !s.sites_used.is_empty() {
        let yi = 34.0;
        let hi = tf.hi.unwrap_or(tf.estimate);
        let (xl, xh, xe) = (f1(x(tf.lo)), f1(x(hi)), f1(x(tf.estimate)));
        let (yt, yb) = (yi - 7.0, yi + 7.0);
        writeln!(
            h,
            "<g><title>tumour fraction {} (95 % CI {}–{})</title>",
            esc(&pct(tf.estimate)),
            esc(&pct(tf.lo)),
            esc(&pct(hi))
        )?;
        writeln!(
            h,
            "<line x1=\"{xl}\" y1=\"{yi}\" x2=\"{xh}\" y2=\"{yi}\" stroke=\"{INK}\" stroke-width=\"3\"/><line x1=\"{xl}\" y1=\"{yt}\" x2=\"{xl}\" y2=\"{yb}\" stroke=\"{INK}\" stroke-width=\"2\"/><line x1=\"{xh}\" y1=\"{yt}\" x2=\"{xh}\" y2=\"{yb}\" stroke=\"{INK}\" stroke-width=\"2\"/><circle cx=\"{xe}\" cy=\"{yi}\" r=\"6.5\" fill=\"{VERMILLION}\" stroke=\"{INK}\" stroke-width=\"1.5\"/></g>"
        )?;
    }
    writeln!(h, "</svg></figure>")
}
