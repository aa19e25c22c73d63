//! How a panel's contig names relate to another file's (reference, BAM):
//! the hint that turns "contig '12' is not in ref.fa" into "the panel says
//! '12' where ref.fa says 'chr12'".

#[cfg(test)] // the tests' short form; messages name the file
pub(crate) fn contig_style_hint(name: &str, available: &[String]) -> Option<String> {
    contig_style_hint_in(name, available, "the other file")
}

/// Like [`contig_style_hint`], naming the file that holds `available`
/// (e.g. "the panel names contigs like 'chr12' but ref.fa names them like '12'
/// (UCSC vs Ensembl style); rename one of them").
pub(crate) fn contig_style_hint_in(name: &str, available: &[String], file: &str) -> Option<String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chr_style_hint() {
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
}
