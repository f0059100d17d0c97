//! kubectl's borderless, left-aligned tables.

use comfy_table::{CellAlignment, ContentArrangement, Table};

/// Columns separated by three spaces, no trailing blanks, one row a line.
pub fn kubectl_table(headers: &[&str], rows: &[Vec<String>], no_headers: bool) -> String {
    let mut table = Table::new();
    table
        .load_preset(comfy_table::presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled);
    if !no_headers {
        table.set_header(headers.iter().map(|h| h.to_string()));
    }
    for row in rows {
        table.add_row(row.clone());
    }
    let last = headers.len().saturating_sub(1);
    for (i, column) in table.column_iter_mut().enumerate() {
        column.set_padding((0, if i == last { 0 } else { 3 }));
        column.set_cell_alignment(CellAlignment::Left);
    }
    let mut out = String::new();
    for line in table.lines() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_like_kubectl() {
        let out = kubectl_table(
            &["NAME", "STATUS"],
            &[
                vec!["logging".into(), "Terminating".into()],
                vec!["a".into(), "Active".into()],
            ],
            false,
        );
        assert_eq!(
            out,
            "NAME      STATUS\nlogging   Terminating\na         Active\n"
        );
        let bare = kubectl_table(&["NAME"], &[vec!["x".into()]], true);
        assert_eq!(bare, "x\n");
    }
}
