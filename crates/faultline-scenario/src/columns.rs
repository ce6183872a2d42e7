//! One numeric column of a CSV data file, every row checked, errors naming the file and
//! the line.

use std::path::Path;

/// Every value of `column` in the CSV at `path` (a header row, then data rows), each a
/// positive amount turned into atoms of an asset with `decimals` exactly (digits past
/// `decimals` are cut, never rounded up; exponent notation goes through `f64`). The
/// error names the file, the line and what was found.
pub(crate) fn read_positive_atoms(
    path: &Path,
    column: &str,
    decimals: u8,
) -> Result<Vec<i128>, String> {
    read_column_with(path, column, |raw| {
        decimal_atoms(raw, decimals).filter(|a| *a > 0)
    })
}

/// `"46142428.6"` with 18 decimals → 46142428600000000000000000.
fn decimal_atoms(raw: &str, decimals: u8) -> Option<i128> {
    let scale = 10i128.checked_pow(u32::from(decimals))?;
    if raw.contains(['e', 'E']) {
        let x: f64 = raw.parse().ok().filter(|x: &f64| x.is_finite())?;
        let a = (x * scale as f64).floor();
        #[allow(clippy::cast_possible_truncation)] // |a| < 1e38 fits i128
        return (a.abs() < 1e38).then_some(a as i128);
    }
    let (int, frac) = raw.split_once('.').unwrap_or((raw, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() && frac.is_empty() || !all_digits(int) || !all_digits(frac) {
        return None;
    }
    let whole: i128 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let kept = &frac[..frac.len().min(usize::from(decimals))];
    let mut part: i128 = if kept.is_empty() {
        0
    } else {
        kept.parse().ok()?
    };
    for _ in kept.len()..usize::from(decimals) {
        part = part.checked_mul(10)?;
    }
    whole.checked_mul(scale)?.checked_add(part)
}

fn read_column_with<T>(
    path: &Path,
    column: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Vec<T>, String> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{shown}: {e}"))?;
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header = r
        .headers()
        .map_err(|e| format!("{shown} line 1: {e}"))?
        .clone();
    let i = header.iter().position(|h| h == column).ok_or_else(|| {
        format!(
            "{shown} line 1: no column `{column}` (columns: {})",
            header.iter().collect::<Vec<_>>().join(", ")
        )
    })?;
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| format!("{shown}: {e}"))?;
        let line = rec.position().map_or(0, |p| p.line());
        let raw = rec.get(i).unwrap_or("").trim();
        let x = parse(raw).ok_or_else(|| {
            format!("{shown} line {line}: `{column}` is \"{raw}\", not a positive number")
        })?;
        out.push(x);
    }
    if out.is_empty() {
        return Err(format!("{shown} line 2: no data rows after the header"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("d.csv");
        std::fs::write(&p, text).unwrap();
        (dir, p)
    }

    #[test]
    fn reads_a_column_and_names_the_line_of_a_bad_row() {
        let (_d, p) = write("who,debt\na,10\nb,2.5\n");
        assert_eq!(read_positive_atoms(&p, "debt", 1).unwrap(), [100, 25]);
        let (_d, p) = write("who,debt\na,10\nb,NaN\n");
        let e = read_positive_atoms(&p, "debt", 6).unwrap_err();
        assert!(e.contains("line 3") && e.contains("\"NaN\""), "{e}");
        let (_d, p) = write("who,debt\na,-1\n");
        assert!(read_positive_atoms(&p, "debt", 6)
            .unwrap_err()
            .contains("line 2"));
        let e = read_positive_atoms(&p, "amount", 6).unwrap_err();
        assert!(
            e.contains("no column `amount`") && e.contains("who, debt"),
            "{e}"
        );
        let (_d, p) = write("who,debt\na,46142428.6\nb,0.0000001\nc,2e3\n");
        assert_eq!(
            read_positive_atoms(&p, "debt", 6).unwrap_err(),
            format!(
                "{} line 3: `debt` is \"0.0000001\", not a positive number",
                p.display()
            ),
            "cut to six decimals it is zero"
        );
        assert_eq!(
            read_positive_atoms(&p, "debt", 18).unwrap(),
            [
                46_142_428_600_000_000_000_000_000,
                100_000_000_000,
                2_000 * 10i128.pow(18)
            ]
        );
        let (_d, p) = write("who,debt\n");
        assert!(read_positive_atoms(&p, "debt", 6)
            .unwrap_err()
            .contains("no data rows"));
    }
}
