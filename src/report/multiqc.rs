//! MultiQC custom content, so that a cohort aggregates in one MultiQC report.
//!
//! MultiQC finds any `*_mqc.json` file and turns it into one report section
//! (one section per file), merging the `data` of files that share an `id`
//! across samples. `call` therefore writes two files:
//!
//! - `PREFIX_mqc.json` (`plot_type: generalstats`): tumour fraction with
//!   its 95 % interval, sample status, detected hotspots, median depth and
//!   sample LoD as columns of MultiQC's General Statistics table;
//! - `PREFIX.hotspots_mqc.json` (`plot_type: table`): the VAF of every
//!   hotspot, one column per hotspot in panel order, one row per sample.
//!
//! Proportions are written as percentages (MultiQC's convention), with the
//! same values as `summary.json` and `calls.tsv`. Spec:
//! <https://docs.seqera.io/multiqc/custom_content>.

use super::calls::{CallRow, Summary};
use serde::ser::{Serialize, SerializeMap, Serializer};
use std::io::Write;

/// A JSON object that keeps its keys in insertion order (MultiQC shows
/// table columns in the order of `headers`).
pub struct Ordered<V>(pub Vec<(String, V)>);

impl<V: Serialize> Serialize for Ordered<V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// How MultiQC shows one column.
#[derive(serde::Serialize, Debug, Clone, Default)]
pub struct Column {
    pub title: String,
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suffix: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// A colour scale name, or `false` for none.
    pub scale: serde_json::Value,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub hidden: bool,
}

/// One custom-content section.
#[derive(serde::Serialize)]
pub struct Section<P, H, D> {
    pub id: &'static str,
    pub section_name: &'static str,
    pub description: String,
    pub plot_type: &'static str,
    pub pconfig: P,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub headers: Option<H>,
    pub data: D,
}

/// A value of a general-statistics row: a number or a word.
#[derive(serde::Serialize, Debug, Clone, PartialEq)]
#[serde(untagged)]
pub enum Cell {
    Num(f64),
    Text(String),
}

const NS: Option<&str> = Some("cfspot");

fn col(title: &str, description: &str) -> Column {
    Column {
        title: title.into(),
        description: description.into(),
        namespace: NS,
        scale: serde_json::Value::Bool(false),
        ..Column::default()
    }
}

fn pct(v: f64) -> f64 {
    v * 100.0
}

/// The General Statistics section (`PREFIX_mqc.json`).
pub fn general_stats(
    summary: &Summary,
) -> Section<Vec<Ordered<Column>>, (), Ordered<Ordered<Cell>>> {
    let tf = &summary.tumour_fraction;
    let percent = |c: Column| Column {
        suffix: Some("%"),
        format: Some("{:,.2f}"),
        min: Some(0.0),
        ..c
    };
    let columns: Vec<(&str, Column, Option<Cell>)> = vec![
        (
            "cfspot_tumour_fraction",
            Column {
                scale: "OrRd".into(),
                ..percent(col(
                    "TF",
                    "cfspot: tumour fraction (maximum likelihood)",
                ))
            },
            Some(Cell::Num(pct(tf.estimate))),
        ),
        (
            "cfspot_tf_lo",
            percent(col("TF lo", "cfspot: lower bound of the tumour fraction's 95% interval")),
            Some(Cell::Num(pct(tf.lo))),
        ),
        (
            "cfspot_tf_hi",
            percent(col("TF hi", "cfspot: upper bound of the tumour fraction's 95% interval")),
            tf.hi.map(|h| Cell::Num(pct(h))),
        ),
        (
            "cfspot_status",
            col(
                "ctDNA status",
                "cfspot: sample status against the tumour-fraction threshold (CTDNA_DETECTED, BELOW_THRESHOLD, NOT_DETECTED)",
            ),
            Some(Cell::Text(summary.status.to_string())),
        ),
        (
            "cfspot_detected",
            Column {
                format: Some("{:,.0f}"),
                min: Some(0.0),
                ..col("Detected", "cfspot: hotspots called DETECTED")
            },
            Some(Cell::Num(summary.detected.len() as f64)),
        ),
        (
            "cfspot_median_depth",
            Column {
                format: Some("{:,.0f}"),
                min: Some(0.0),
                scale: "Blues".into(),
                ..col("Median depth", &format!("cfspot: median depth over the hotspots, in {}", summary.count.unit.noun()))
            },
            Some(Cell::Num(summary.qc.median_depth)),
        ),
        (
            "cfspot_sample_lod",
            Column {
                hidden: true,
                ..percent(col(
                    "Sample LoD",
                    "cfspot: smallest tumour fraction this sample detects with 95% probability",
                ))
            },
            summary.sample_lod.map(|l| Cell::Num(pct(l))),
        ),
    ];
    let pconfig = columns
        .iter()
        .map(|(id, c, _)| Ordered(vec![(id.to_string(), c.clone())]))
        .collect();
    let row = Ordered(
        columns
            .into_iter()
            .filter_map(|(id, _, v)| v.map(|v| (id.to_string(), v)))
            .collect(),
    );
    Section {
        id: "cfspot_general_stats",
        section_name: "cfspot",
        description: "cfspot tumour fraction and sample status. Not a clinical tool.".into(),
        plot_type: "generalstats",
        pconfig,
        headers: None,
        data: Ordered(vec![(summary.sample.clone(), row)]),
    }
}

#[derive(serde::Serialize)]
pub struct TableConfig {
    pub id: &'static str,
    pub title: &'static str,
    pub col1_header: &'static str,
    pub namespace: &'static str,
}

/// The per-hotspot VAF table (`PREFIX.hotspots_mqc.json`).
pub fn hotspot_table(
    summary: &Summary,
    rows: &[CallRow],
) -> Section<TableConfig, Ordered<Column>, Ordered<Ordered<f64>>> {
    let headers = rows
        .iter()
        .map(|r| {
            let title = match (r.gene.is_empty(), r.label.is_empty()) {
                (false, false) => format!("{} {}", r.gene, r.label),
                _ => r.id.clone(),
            };
            let c = Column {
                suffix: Some("%"),
                format: Some("{:,.3f}"),
                min: Some(0.0),
                scale: "OrRd".into(),
                namespace: None,
                ..col(
                    &title,
                    &format!(
                        "VAF of {} ({}:{} {}>{}), percent",
                        r.id, r.contig, r.pos, r.ref_allele, r.alt
                    ),
                )
            };
            (r.id.clone(), c)
        })
        .collect();
    let row = rows
        .iter()
        .filter_map(|r| r.vaf.map(|v| (r.id.clone(), pct(v))))
        .collect();
    Section {
        id: "cfspot_hotspot_vaf",
        section_name: "cfspot: VAF per hotspot",
        description: format!("Variant allele fraction (alt {} / depth, percent) at each hotspot, from cfspot's calls.tsv. Not a clinical tool.", summary.count.unit.noun()),
        plot_type: "table",
        pconfig: TableConfig {
            id: "cfspot_hotspot_vaf_table",
            title: "cfspot: VAF per hotspot",
            col1_header: "Sample",
            namespace: "cfspot",
        },
        headers: Some(Ordered(headers)),
        data: Ordered(vec![(summary.sample.clone(), Ordered(row))]),
    }
}

/// Write `PREFIX_mqc.json`.
pub fn write_general_stats<W: Write>(mut out: W, summary: &Summary) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut out, &general_stats(summary))?;
    out.write_all(b"\n")
}

/// Write `PREFIX.hotspots_mqc.json`.
pub fn write_hotspot_table<W: Write>(
    mut out: W,
    summary: &Summary,
    rows: &[CallRow],
) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut out, &hotspot_table(summary, rows))?;
    out.write_all(b"\n")
}
