//! A world's per-path table: one row per path (`path`, `seed`, one value per column of
//! [`crate::world_columns`], `error`), as CSV part files that read back exactly, and as
//! Parquet, so a world's stress run resumes, shards and merges like a venue's.

use crate::run::PathTable;
use crate::world_paths::{summarize_world, world_paths_csv, WorldDistribution, WorldPath};
use parquet::basic::{ConvertedType, Repetition, Type as Physical};
use parquet::data_type::{DoubleType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;
use std::path::Path;
use std::sync::Arc;

/// The table of a world's paths over its columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorldTable {
    /// Value columns, in order.
    pub columns: Vec<String>,
}

impl PathTable for WorldTable {
    type Row = WorldPath;
    type Distribution = WorldDistribution;

    fn path_of(row: &WorldPath) -> u64 {
        row.path
    }

    fn write_csv(&self, rows: &[WorldPath]) -> Result<Vec<u8>, String> {
        world_paths_csv(&self.columns, rows).map_err(|e| e.to_string())
    }

    fn read_csv(&self, path: &Path) -> Result<Vec<WorldPath>, String> {
        let mut r = csv::Reader::from_path(path).map_err(|e| e.to_string())?;
        let header: Vec<String> = r
            .headers()
            .map_err(|e| e.to_string())?
            .iter()
            .map(str::to_string)
            .collect();
        let expected: Vec<&str> = ["path", "seed"]
            .into_iter()
            .chain(self.columns.iter().map(String::as_str))
            .chain(["error"])
            .collect();
        if header != expected {
            return Err(format!(
                "its columns are not this run's (found {} columns, expected {}); it was \
                 written for another world",
                header.len(),
                expected.len()
            ));
        }
        let width = self.columns.len();
        let mut rows = Vec::new();
        for (k, record) in r.records().enumerate() {
            let record = record.map_err(|e| e.to_string())?;
            let line = k + 2;
            let int = |i: usize| -> Result<u64, String> {
                record[i].parse().map_err(|_| {
                    format!("line {line}: `{}` is not a path index or seed", &record[i])
                })
            };
            let values = (0..width)
                .map(|c| {
                    record[2 + c].parse::<f64>().map_err(|_| {
                        format!(
                            "line {line}, column {}: `{}`",
                            self.columns[c],
                            &record[2 + c]
                        )
                    })
                })
                .collect::<Result<Vec<f64>, String>>()?;
            let error = &record[2 + width];
            rows.push(WorldPath {
                path: int(0)?,
                seed: int(1)?,
                values,
                error: (!error.is_empty()).then(|| error.to_string()),
            });
        }
        Ok(rows)
    }

    fn write_parquet(&self, path: &Path, rows: &[WorldPath]) -> Result<(), String> {
        write_parquet(path, &self.columns, rows).map_err(|e| e.to_string())
    }

    fn summarize(&self, rows: &[WorldPath]) -> WorldDistribution {
        summarize_world(&self.columns, rows)
    }
}

fn field(name: &str, physical: Physical, repetition: Repetition) -> parquet::errors::Result<Type> {
    Type::primitive_type_builder(name, physical)
        .with_repetition(repetition)
        .build()
}

/// The schema: column names are the world's (`lender.shortfall`), so it is built field
/// by field rather than parsed from a message type.
fn schema(columns: &[String]) -> parquet::errors::Result<Type> {
    let mut fields = vec![
        Arc::new(field("path", Physical::INT64, Repetition::REQUIRED)?),
        Arc::new(
            Type::primitive_type_builder("seed", Physical::INT64)
                .with_repetition(Repetition::REQUIRED)
                .with_converted_type(ConvertedType::UINT_64)
                .build()?,
        ),
    ];
    for c in columns {
        fields.push(Arc::new(field(c, Physical::DOUBLE, Repetition::REQUIRED)?));
    }
    fields.push(Arc::new(
        Type::primitive_type_builder("error", Physical::BYTE_ARRAY)
            .with_repetition(Repetition::OPTIONAL)
            .with_converted_type(ConvertedType::UTF8)
            .build()?,
    ));
    Type::group_type_builder("world_paths")
        .with_fields(fields)
        .build()
}

#[allow(clippy::cast_possible_wrap)] // u64 indices and seeds stored as INT64 (seed declared unsigned)
fn write_parquet(
    path: &Path,
    columns: &[String],
    rows: &[WorldPath],
) -> parquet::errors::Result<()> {
    let file = std::fs::File::create(path)?;
    let props = Arc::new(WriterProperties::builder().build());
    let mut writer = SerializedFileWriter::new(file, Arc::new(schema(columns)?), props)?;
    let mut rg = writer.next_row_group()?;
    let mut k = 0;
    while let Some(mut col) = rg.next_column()? {
        match k {
            0 | 1 => {
                let v: Vec<i64> = rows
                    .iter()
                    .map(|r| if k == 0 { r.path } else { r.seed } as i64)
                    .collect();
                col.typed::<Int64Type>().write_batch(&v, None, None)?;
            }
            _ if k - 2 < columns.len() => {
                let v: Vec<f64> = rows.iter().map(|r| r.values[k - 2]).collect();
                col.typed::<DoubleType>().write_batch(&v, None, None)?;
            }
            _ => crate::table::write_errors(&mut col, rows.iter().map(|r| r.error.as_deref()))?,
        }
        col.close()?;
        k += 1;
    }
    rg.close()?;
    writer.close()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use parquet::file::reader::{FileReader, SerializedFileReader};

    fn rows() -> Vec<WorldPath> {
        vec![
            WorldPath {
                path: 0,
                seed: u64::MAX - 3,
                values: vec![0.1 + 0.2, 1e300, f64::NAN],
                error: None,
            },
            WorldPath {
                path: 1,
                seed: 5,
                values: vec![-0.0, 12_345.678_9, 3.0],
                error: Some("protocol `lender`: stopped, with a comma".into()),
            },
        ]
    }

    fn table() -> WorldTable {
        WorldTable {
            columns: vec![
                "total_shortfall".into(),
                "perp-arbitrum.shortfall".into(),
                "WETH.reference_low".into(),
            ],
        }
    }

    #[test]
    fn csv_parts_read_back_to_the_same_bits() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("part.csv");
        std::fs::write(&p, table().write_csv(&rows()).unwrap()).unwrap();
        let back = table().read_csv(&p).unwrap();
        for (a, b) in rows().iter().zip(&back) {
            assert_eq!((a.path, a.seed, &a.error), (b.path, b.seed, &b.error));
            let bits = |r: &WorldPath| r.values.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(a), bits(b));
        }
        // A part written for another world's columns is refused.
        let other = WorldTable {
            columns: vec!["total_shortfall".into()],
        };
        assert!(other.read_csv(&p).unwrap_err().contains("another world"));
    }

    #[test]
    fn parquet_holds_every_row_and_named_column() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("paths.parquet");
        table().write_parquet(&p, &rows()).unwrap();
        let r = SerializedFileReader::new(std::fs::File::open(&p).unwrap()).unwrap();
        assert_eq!(r.metadata().file_metadata().num_rows(), 2);
        let names: Vec<String> = r
            .metadata()
            .file_metadata()
            .schema_descr()
            .columns()
            .iter()
            .map(|c| c.name().to_string())
            .collect();
        assert_eq!(
            names,
            [
                "path",
                "seed",
                "total_shortfall",
                "perp-arbitrum.shortfall",
                "WETH.reference_low",
                "error"
            ]
        );
    }
}
