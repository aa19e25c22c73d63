//! The pieces of messages: problem lists (at most [`MAX_LISTED`], then
//! "... and N more") and name lists, which panel, simulator and counter
//! messages use too; the error of a fetch on a contig the reference
//! lacks, which both backends give; and the wording shared by opening and
//! the backends (a file's stem, a gzip stream that breaks off).
use super::ReferenceError;
use std::path::Path;

/// How many problems of one file an error message lists before "... and N more".
pub(super) const MAX_LISTED: usize = 50;

/// Joins problem lines, listing at most 50 and then "... and N more".
pub(crate) fn list_problems(problems: &[String]) -> String {
    let mut out: Vec<String> = problems.iter().take(MAX_LISTED).cloned().collect();
    if problems.len() > MAX_LISTED {
        out.push(format!("... and {} more", problems.len() - MAX_LISTED));
    }
    out.join("\n")
}

/// Lists names for messages: the first 10, then "... (N in all)".
pub(crate) fn list_names<S: AsRef<str>>(names: &[S]) -> String {
    if names.is_empty() {
        return "none".to_string();
    }
    let mut s: Vec<&str> = names.iter().take(10).map(|n| n.as_ref()).collect();
    let more;
    if names.len() > 10 {
        more = format!("... ({} in all)", names.len());
        s.push(&more);
    }
    s.join(", ")
}

/// The error of a fetch on `contig`, which `reference` (holding `names`) lacks.
pub(super) fn unknown_contig(contig: &str, reference: String, names: &[String]) -> ReferenceError {
    ReferenceError::UnknownContig {
        contig: contig.to_string(),
        reference,
        known: list_names(names),
    }
}

/// `ref` for `ref.fa.gz`: the stem that a suggested command names.
pub(super) fn strip_gz(spec: &str) -> &str {
    let s = spec.strip_suffix(".gz").unwrap_or(spec);
    s.strip_suffix(".fa")
        .or_else(|| s.strip_suffix(".fasta"))
        .or_else(|| s.strip_suffix(".fna"))
        .unwrap_or(s)
}

/// A gzip stream that cannot be read to its end.
pub(super) fn gz_error(path: &Path, e: std::io::Error) -> ReferenceError {
    ReferenceError::Other(format!(
        "cannot decompress reference {}: {e} (is the file complete and gzip/bgzip-compressed?)",
        path.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_cut_after_ten() {
        let names: Vec<String> = (1..=12).map(|i| format!("c{i}")).collect();
        assert_eq!(list_names(&names[..2]), "c1, c2");
        assert_eq!(
            list_names(&names),
            "c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, ... (12 in all)"
        );
        assert_eq!(list_names::<String>(&[]), "none");
    }

    #[test]
    fn problems_are_cut_after_fifty() {
        let problems: Vec<String> = (1..=52).map(|i| format!("p{i}")).collect();
        let listed = list_problems(&problems);
        assert_eq!(listed.lines().count(), MAX_LISTED + 1);
        assert!(listed.starts_with("p1\np2\n"), "{listed}");
        assert!(listed.ends_with("\np50\n... and 2 more"), "{listed}");
        assert_eq!(list_problems(&problems[..2]), "p1\np2");
    }
}
