//! Writing cfspot's tables: tab-separated, a header line from the row
//! type's field names (serde), one line per row. Each table's own module
//! (`report::calls`, `report::count_tsv`, `sim::truth`, `eval`) says what a
//! row holds; this is how every one of them is written.

use serde::Serialize;
use std::io::Write;

/// Writes `rows` to `out` as a TSV with a header (none for no rows).
pub fn write_rows<W: Write, T: Serialize>(
    out: W,
    rows: impl IntoIterator<Item = T>,
) -> csv::Result<()> {
    let mut w = csv::WriterBuilder::new().delimiter(b'\t').from_writer(out);
    for row in rows {
        w.serialize(row)?;
    }
    w.flush()?;
    Ok(())
}
