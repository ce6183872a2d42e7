//! The per-path table as CSV and Parquet.

use crate::path::PathResult;
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use std::path::Path;
use std::sync::Arc;

/// Write results as CSV (floats in shortest round-trip form, so reading back is exact).
pub fn write_paths_csv<W: std::io::Write>(out: W, rows: &[PathResult]) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(out);
    for r in rows {
        w.serialize(r)?;
    }
    w.flush()?;
    Ok(())
}

/// Read results written by [`write_paths_csv`].
pub fn read_paths_csv(path: &Path) -> Result<Vec<PathResult>, csv::Error> {
    csv::Reader::from_path(path)?.deserialize().collect()
}

const SCHEMA: &str = "message paths {
  REQUIRED INT64 path;
  REQUIRED INT64 seed (INTEGER(64,false));
  REQUIRED DOUBLE bad_debt;
  REQUIRED DOUBLE latent_bad_debt;
  REQUIRED DOUBLE loss_past_bankruptcy;
  REQUIRED DOUBLE insurance_fund_end;
  REQUIRED INT64 liquidations;
  REQUIRED DOUBLE liquidation_volume;
  REQUIRED INT64 adl_events;
  REQUIRED DOUBLE adl_volume;
  REQUIRED DOUBLE socialized_loss;
  REQUIRED DOUBLE open_interest;
  REQUIRED BOOLEAN fund_depleted;
  REQUIRED BOOLEAN adl;
  REQUIRED BOOLEAN insolvent;
  OPTIONAL INT64 first_liquidation_block;
  OPTIONAL INT64 first_loss_block;
  OPTIONAL INT64 fund_depletion_block;
  REQUIRED INT64 halted_blocks;
  REQUIRED DOUBLE halted_volume;
  REQUIRED INT64 blocks;
  OPTIONAL BYTE_ARRAY error (UTF8);
}";

/// The optional `error` column: one definition level per row, a value where there is
/// an error.
pub(crate) fn write_errors<'a>(
    col: &mut parquet::file::writer::SerializedColumnWriter<'_>,
    errors: impl Iterator<Item = Option<&'a str>> + Clone,
) -> Result<(), parquet::errors::ParquetError> {
    let v: Vec<ByteArray> = errors.clone().flatten().map(ByteArray::from).collect();
    let d: Vec<i16> = errors.map(|e| i16::from(e.is_some())).collect();
    col.typed::<ByteArrayType>()
        .write_batch(&v, Some(&d), None)
        .map(drop)
}

#[allow(clippy::cast_possible_wrap)] // u64 counts stored as Parquet INT64 (seed declared unsigned)
fn i64s(rows: &[PathResult], f: impl Fn(&PathResult) -> u64) -> Vec<i64> {
    rows.iter().map(|r| f(r) as i64).collect()
}

#[allow(clippy::cast_possible_wrap)]
fn optional(rows: &[PathResult], f: impl Fn(&PathResult) -> Option<u64>) -> (Vec<i64>, Vec<i16>) {
    let values = rows.iter().filter_map(&f).map(|v| v as i64).collect();
    let defs = rows.iter().map(|r| i16::from(f(r).is_some())).collect();
    (values, defs)
}

/// Write results as a Parquet file (one row group, uncompressed).
pub fn write_paths_parquet(
    path: &Path,
    rows: &[PathResult],
) -> Result<(), parquet::errors::ParquetError> {
    let schema = Arc::new(parse_message_type(SCHEMA)?);
    let file = std::fs::File::create(path)?;
    let mut writer =
        SerializedFileWriter::new(file, schema, Arc::new(WriterProperties::builder().build()))?;
    let mut rg = writer.next_row_group()?;
    let doubles: [fn(&PathResult) -> f64; 8] = [
        |r| r.bad_debt,
        |r| r.latent_bad_debt,
        |r| r.loss_past_bankruptcy,
        |r| r.insurance_fund_end,
        |r| r.liquidation_volume,
        |r| r.adl_volume,
        |r| r.socialized_loss,
        |r| r.open_interest,
    ];
    let mut column = 0;
    while let Some(mut col) = rg.next_column()? {
        match column {
            0 => col
                .typed::<Int64Type>()
                .write_batch(&i64s(rows, |r| r.path), None, None)
                .map(drop)?,
            1 => col
                .typed::<Int64Type>()
                .write_batch(&i64s(rows, |r| r.seed), None, None)
                .map(drop)?,
            2..=5 | 7 | 9..=11 => {
                let idx = match column {
                    2..=5 => column - 2,
                    7 => 4,
                    9 => 5,
                    10 => 6,
                    _ => 7,
                };
                let v: Vec<f64> = rows.iter().map(doubles[idx]).collect();
                col.typed::<DoubleType>()
                    .write_batch(&v, None, None)
                    .map(drop)?;
            }
            6 => col
                .typed::<Int64Type>()
                .write_batch(&i64s(rows, |r| r.liquidations), None, None)
                .map(drop)?,
            8 => col
                .typed::<Int64Type>()
                .write_batch(&i64s(rows, |r| r.adl_events), None, None)
                .map(drop)?,
            12..=14 => {
                let v: Vec<bool> = rows
                    .iter()
                    .map(|r| [r.fund_depleted, r.adl, r.insolvent][column - 12])
                    .collect();
                col.typed::<BoolType>()
                    .write_batch(&v, None, None)
                    .map(drop)?;
            }
            15..=17 => {
                let f = [
                    |r: &PathResult| r.first_liquidation_block,
                    |r: &PathResult| r.first_loss_block,
                    |r: &PathResult| r.fund_depletion_block,
                ][column - 15];
                let (v, d) = optional(rows, f);
                col.typed::<Int64Type>()
                    .write_batch(&v, Some(&d), None)
                    .map(drop)?;
            }
            18 => col
                .typed::<Int64Type>()
                .write_batch(&i64s(rows, |r| r.halted_blocks), None, None)
                .map(drop)?,
            19 => {
                let v: Vec<f64> = rows.iter().map(|r| r.halted_volume).collect();
                col.typed::<DoubleType>()
                    .write_batch(&v, None, None)
                    .map(drop)?;
            }
            20 => col
                .typed::<Int64Type>()
                .write_batch(&i64s(rows, |r| r.blocks), None, None)
                .map(drop)?,
            _ => write_errors(&mut col, rows.iter().map(|r| r.error.as_deref()))?,
        }
        col.close()?;
        column += 1;
    }
    rg.close()?;
    writer.close()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use parquet::file::reader::{FileReader, SerializedFileReader};

    fn row(i: u64) -> PathResult {
        PathResult {
            path: i,
            seed: u64::MAX - i,
            bad_debt: 0.1 * f64::from(u32::try_from(i).unwrap()),
            latent_bad_debt: 1.0 / 3.0,
            loss_past_bankruptcy: 2.5,
            insurance_fund_end: 1e6,
            liquidations: i * 3,
            liquidation_volume: 12.75,
            adl_events: i,
            adl_volume: 0.0,
            socialized_loss: 0.0,
            open_interest: 5e7,
            fund_depleted: i % 2 == 0,
            adl: i % 3 == 0,
            insolvent: false,
            first_liquidation_block: (i % 2 == 0).then_some(i + 10),
            first_loss_block: None,
            fund_depletion_block: Some(7),
            halted_blocks: 3,
            halted_volume: 1.5,
            blocks: 100,
            error: (i == 2).then(|| "boom".to_string()),
        }
    }

    #[test]
    fn csv_round_trips_exactly() {
        let rows: Vec<PathResult> = (0..5).map(row).collect();
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("p.csv");
        write_paths_csv(std::fs::File::create(&p).unwrap(), &rows).unwrap();
        assert_eq!(read_paths_csv(&p).unwrap(), rows);
    }

    #[test]
    fn parquet_holds_every_row_and_column() {
        let rows: Vec<PathResult> = (0..5).map(row).collect();
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("p.parquet");
        write_paths_parquet(&p, &rows).unwrap();
        let reader = SerializedFileReader::new(std::fs::File::open(&p).unwrap()).unwrap();
        assert_eq!(reader.metadata().file_metadata().num_rows(), 5);
        assert_eq!(
            reader
                .metadata()
                .file_metadata()
                .schema_descr()
                .num_columns(),
            22
        );
        let rows_back: Vec<_> = reader
            .get_row_iter(None)
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let text = rows_back[2].to_string();
        assert!(
            text.contains("path: 2")
                && text.contains("error: \"boom\"")
                && text.contains("first_loss_block: null"),
            "{text}"
        );
    }
}
