//! Validation errors that point at the input: file, line, column, field, what was
//! expected, what was found, and a hint.

use std::fmt;
use std::path::PathBuf;

/// One problem in a scenario file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// 1-based line (0 when the problem has no location, e.g. a missing file).
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// Dotted path of the field, e.g. `market[0].book.depth[1].offset`.
    pub field: String,
    /// What the field should hold.
    pub expected: String,
    /// What it holds.
    pub found: String,
    /// How to fix it.
    pub hint: String,
}

/// Every problem found in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationReport {
    /// The file checked.
    pub file: PathBuf,
    /// Problems, ordered by line then column.
    pub errors: Vec<ValidationError>,
}

impl fmt::Display for ValidationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for e in &self.errors {
            let field = if e.field.is_empty() {
                "(file)"
            } else {
                &e.field
            };
            writeln!(
                f,
                "error: {}:{}:{}: {field}",
                self.file.display(),
                e.line,
                e.column
            )?;
            writeln!(f, "  expected: {}", e.expected)?;
            if !e.found.is_empty() {
                writeln!(f, "  found:    {}", e.found)?;
            }
            if !e.hint.is_empty() {
                writeln!(f, "  hint:     {}", e.hint)?;
            }
        }
        let n = self.errors.len();
        write!(
            f,
            "{n} error{} in {}",
            if n == 1 { "" } else { "s" },
            self.file.display()
        )
    }
}

impl std::error::Error for ValidationReport {}

/// Byte offset → (line, column), both 1-based.
pub(crate) fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(src.len());
    let before = &src.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let col = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
    (line, col)
}

/// Levenshtein distance, for "did you mean" hints.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based() {
        let src = "a = 1\nbb = 2\n";
        assert_eq!(line_col(src, 0), (1, 1));
        assert_eq!(line_col(src, 6), (2, 1));
        assert_eq!(line_col(src, 8), (2, 3));
    }

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("levrage", "leverage"), 1);
        assert_eq!(edit_distance("fee", "fee"), 0);
        assert_eq!(edit_distance("abc", "xyz"), 3);
    }
}
