//! Running, resuming, sharding and merging stress runs.
//!
//! A run directory holds `stress-manifest.json` and `parts/part-<first>-<last>.csv`, one
//! file per finished chunk of paths, each written to a temporary name and renamed, so a
//! run killed at any moment leaves only whole parts. `--resume` runs the chunks that have
//! no part yet. Chunk `k` covers paths `[k·C, (k+1)·C)`; shard `i/n` runs the chunks with
//! `k mod n = i`. When every chunk is there (in one directory, or across shard
//! directories given to [`merge`]) the final `paths.csv`, `paths.parquet` and
//! `distribution.json` are written — the same bytes however the work was split.

use crate::path::{run_path, PathResult};
use crate::stats::{summarize, Distribution};
use crate::table::{read_paths_csv, write_paths_csv, write_paths_parquet};
use faultline_scenario::Scenario;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use thiserror::Error;

/// One of `count` equal shares of the chunks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// This share, `0..count`.
    pub index: u32,
    /// Number of shares.
    pub count: u32,
}

impl Shard {
    /// The whole run.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Parse `i/n`.
    pub fn parse(s: &str) -> Result<Self, StressError> {
        let bad =
            || StressError::BadShard(format!("`{s}`: expected i/n with 0 ≤ i < n, e.g. 3/16"));
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count): (u32, u32) = (
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Self { index, count })
    }

    /// The shard a job array gives this process: the index from `SLURM_ARRAY_TASK_ID`
    /// (less `SLURM_ARRAY_TASK_MIN`) or Kubernetes' `JOB_COMPLETION_INDEX`, the count from
    /// `SLURM_ARRAY_TASK_COUNT` or `FAULTLINE_SHARD_COUNT`. `None` outside a job array.
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Result<Option<Self>, StressError> {
        let num = |k: &str| get(k).and_then(|v| v.trim().parse::<u32>().ok());
        let index = match (num("SLURM_ARRAY_TASK_ID"), num("JOB_COMPLETION_INDEX")) {
            (Some(id), _) => Some(id - num("SLURM_ARRAY_TASK_MIN").unwrap_or(0).min(id)),
            (None, Some(i)) => Some(i),
            (None, None) => None,
        };
        let Some(index) = index else { return Ok(None) };
        let count = num("SLURM_ARRAY_TASK_COUNT").or_else(|| num("FAULTLINE_SHARD_COUNT")).ok_or_else(|| {
            StressError::BadShard("a job-array index is set but no shard count: set FAULTLINE_SHARD_COUNT or pass --shard i/n".into())
        })?;
        Self::parse(&format!("{index}/{count}")).map(Some)
    }
}

/// How to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StressConfig {
    /// Paths in the whole run.
    pub paths: u64,
    /// Run seed.
    pub seed: u64,
    /// This process's share.
    pub shard: Shard,
    /// Paths per part file.
    pub chunk_size: u64,
    /// Worker threads (`None`: one per core).
    pub threads: Option<usize>,
    /// Stop after this many chunks (to test interruption); `None` runs them all.
    pub max_chunks: Option<usize>,
}

/// What identifies a run; resumed and merged runs must agree on all of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StressManifest {
    /// Scenario name.
    pub scenario: String,
    /// Scenario path.
    pub scenario_path: String,
    /// Scenario hash.
    pub config_hash: String,
    /// Run seed.
    pub seed: u64,
    /// Paths in the whole run.
    pub paths: u64,
    /// Paths per part.
    pub chunk_size: u64,
    /// Faultline version.
    pub engine_version: String,
    /// The shard this directory holds.
    pub shard: Shard,
    /// What kind of file ran (absent: a venue).
    #[serde(default, skip_serializing_if = "RunKind::is_venue")]
    pub kind: RunKind,
    /// The per-path table's value columns (worlds only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<String>,
}

impl StressManifest {
    fn same_run(&self, other: &Self) -> bool {
        (
            &self.config_hash,
            self.seed,
            self.paths,
            self.chunk_size,
            &self.engine_version,
        ) == (
            &other.config_hash,
            other.seed,
            other.paths,
            other.chunk_size,
            &other.engine_version,
        )
    }
}

/// Errors of a stress run.
#[derive(Debug, Error)]
pub enum StressError {
    /// File-system failure.
    #[error("{path}: {source}")]
    Io {
        /// Path.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// A table could not be written or read.
    #[error("{path}: {message}")]
    Table {
        /// Path.
        path: PathBuf,
        /// Cause.
        message: String,
    },
    /// The output directory holds another run.
    #[error(
        "{0} already holds a stress run; pass --resume to continue it, or choose another --out"
    )]
    AlreadyExists(PathBuf),
    /// The output directory holds something else.
    #[error("{0} exists and is not a Faultline stress directory; choose another --out")]
    NotAStressDir(PathBuf),
    /// Resumed or merged directories belong to different runs.
    #[error(
        "{0} belongs to a different run (scenario, seed, paths, chunk size or version differ)"
    )]
    DifferentRun(PathBuf),
    /// Paths are missing for the final outputs.
    #[error("{missing} of {total} paths have no results yet (first missing: {first}); run the remaining shards or --resume")]
    Incomplete {
        /// Missing paths.
        missing: u64,
        /// Total paths.
        total: u64,
        /// First missing index.
        first: u64,
    },
    /// A shard specification is invalid.
    #[error("bad shard {0}")]
    BadShard(String),
    /// The thread pool could not start.
    #[error("thread pool: {0}")]
    Pool(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StressError + '_ {
    move |source| StressError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Write `bytes` to `path` through a temporary file and a rename.
fn atomic_write(path: &Path, bytes: &[u8]) -> Result<(), StressError> {
    let tmp = path.with_extension(format!(
        "{}.tmp",
        path.extension().and_then(|e| e.to_str()).unwrap_or("")
    ));
    fs::write(&tmp, bytes).map_err(io(&tmp))?;
    fs::File::open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(io(&tmp))?;
    fs::rename(&tmp, path).map_err(io(path))
}

/// The per-path table of one kind of stress run (a venue, a world): how its rows go to
/// part files and back, into the final `paths.csv` and `paths.parquet`, and into a
/// distribution. The chunking, resumption, sharding and merging around it are shared.
pub trait PathTable: Sync {
    /// One path's outcome.
    type Row: Send;
    /// What the rows summarize to (`distribution.json`).
    type Distribution: Serialize;
    /// The path index of a row.
    fn path_of(row: &Self::Row) -> u64;
    /// Rows as CSV, floats in shortest round-trip form so reading back is exact.
    fn write_csv(&self, rows: &[Self::Row]) -> Result<Vec<u8>, String>;
    /// Rows written by [`PathTable::write_csv`].
    fn read_csv(&self, path: &Path) -> Result<Vec<Self::Row>, String>;
    /// Rows as a Parquet file.
    fn write_parquet(&self, path: &Path, rows: &[Self::Row]) -> Result<(), String>;
    /// The distribution over rows sorted by path.
    fn summarize(&self, rows: &[Self::Row]) -> Self::Distribution;
}

/// The table of a version-1 venue's paths ([`PathResult`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct VenueTable;

impl PathTable for VenueTable {
    type Row = PathResult;
    type Distribution = Distribution;
    fn path_of(row: &PathResult) -> u64 {
        row.path
    }
    fn write_csv(&self, rows: &[PathResult]) -> Result<Vec<u8>, String> {
        let mut bytes = Vec::new();
        write_paths_csv(&mut bytes, rows).map_err(|e| e.to_string())?;
        Ok(bytes)
    }
    fn read_csv(&self, path: &Path) -> Result<Vec<PathResult>, String> {
        read_paths_csv(path).map_err(|e| e.to_string())
    }
    fn write_parquet(&self, path: &Path, rows: &[PathResult]) -> Result<(), String> {
        write_paths_parquet(path, rows).map_err(|e| e.to_string())
    }
    fn summarize(&self, rows: &[PathResult]) -> Distribution {
        summarize(rows)
    }
}

/// What a run is, for its manifest: resumed and merged runs must agree on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunIdentity {
    /// Scenario or world name.
    pub name: String,
    /// Its file.
    pub path: String,
    /// Its hash.
    pub config_hash: String,
    /// `venue` or `world`.
    pub kind: RunKind,
    /// The per-path table's value columns (worlds: they depend on the world).
    pub columns: Vec<String>,
}

/// What kind of file a stress run ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunKind {
    /// A version-1 scenario (one venue, [`PathResult`] rows).
    #[default]
    Venue,
    /// A world ([`crate::WorldPath`] rows, one value per column).
    World,
}

impl RunKind {
    fn is_venue(&self) -> bool {
        *self == RunKind::Venue
    }
}

/// What a call to [`run_stress`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct StressOutcome<D = Distribution> {
    /// Paths run by this call.
    pub paths_run: u64,
    /// Paths of this shard now on disk.
    pub paths_done: u64,
    /// Paths this shard owns.
    pub paths_owned: u64,
    /// The distribution, when the final outputs were written.
    pub distribution: Option<D>,
}

fn chunk_range(k: u64, cfg_paths: u64, size: u64) -> (u64, u64) {
    (k * size, ((k + 1) * size).min(cfg_paths))
}

fn part_name(first: u64, end: u64) -> String {
    format!("part-{first:012}-{end:012}.csv")
}

/// Finished parts in a run directory: `first → (end, path)`.
fn finished_parts(dir: &Path) -> Result<BTreeMap<u64, (u64, PathBuf)>, StressError> {
    let parts = dir.join("parts");
    let mut out = BTreeMap::new();
    if !parts.exists() {
        return Ok(out);
    }
    for entry in fs::read_dir(&parts).map_err(io(&parts))? {
        let p = entry.map_err(io(&parts))?.path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if let Some(range) = name
            .strip_prefix("part-")
            .and_then(|n| n.strip_suffix(".csv"))
        {
            if let Some((a, b)) = range.split_once('-') {
                if let (Ok(a), Ok(b)) = (a.parse(), b.parse()) {
                    out.insert(a, (b, p));
                }
            }
        }
    }
    Ok(out)
}

fn read_manifest(dir: &Path) -> Result<Option<StressManifest>, StressError> {
    let p = dir.join("stress-manifest.json");
    if !p.exists() {
        return Ok(None);
    }
    let text = fs::read_to_string(&p).map_err(io(&p))?;
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| StressError::Table {
            path: p,
            message: e.to_string(),
        })
}

/// Run (or resume) this shard's paths of `scenario` into `out`, calling `progress` with
/// the number of paths finished so far (this shard). When the shard is the whole run and
/// every chunk is done, the final tables and distribution are written.
pub fn run_stress(
    scenario: &Scenario,
    cfg: &StressConfig,
    out: &Path,
    resume: bool,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<StressOutcome, StressError> {
    let id = RunIdentity {
        name: scenario.file.name.clone(),
        path: scenario.path.display().to_string(),
        config_hash: scenario.config_hash.clone(),
        kind: RunKind::Venue,
        columns: Vec::new(),
    };
    let run = |i| run_path(scenario, cfg.seed, i);
    run_stress_of(&VenueTable, &run, &id, cfg, out, resume, progress)
}

/// Run (or resume) this shard's paths into `out`: `run(i)` runs path `i`, `table` writes
/// and summarizes the rows. When the shard is the whole run and every chunk is done, the
/// final tables and distribution are written.
pub fn run_stress_of<T: PathTable>(
    table: &T,
    run: &(dyn Fn(u64) -> T::Row + Sync),
    id: &RunIdentity,
    cfg: &StressConfig,
    out: &Path,
    resume: bool,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<StressOutcome<T::Distribution>, StressError> {
    let manifest = StressManifest {
        scenario: id.name.clone(),
        scenario_path: id.path.clone(),
        config_hash: id.config_hash.clone(),
        seed: cfg.seed,
        paths: cfg.paths,
        chunk_size: cfg.chunk_size.max(1),
        engine_version: env!("CARGO_PKG_VERSION").to_string(),
        shard: cfg.shard,
        kind: id.kind,
        columns: id.columns.clone(),
    };
    match read_manifest(out)? {
        Some(_) if !resume => return Err(StressError::AlreadyExists(out.to_path_buf())),
        Some(existing) if existing != manifest => {
            return Err(StressError::DifferentRun(out.to_path_buf()))
        }
        Some(_) => {}
        None if out.exists() && fs::read_dir(out).map_err(io(out))?.next().is_some() => {
            return Err(StressError::NotAStressDir(out.to_path_buf()))
        }
        None => {}
    }
    fs::create_dir_all(out.join("parts")).map_err(io(out))?;
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| StressError::Table {
        path: out.into(),
        message: e.to_string(),
    })?;
    atomic_write(&out.join("stress-manifest.json"), &json)?;

    let size = manifest.chunk_size;
    let n_chunks = cfg.paths.div_ceil(size);
    let done = finished_parts(out)?;
    let owned: Vec<u64> = (0..n_chunks)
        .filter(|k| k % u64::from(cfg.shard.count) == u64::from(cfg.shard.index))
        .collect();
    let paths_owned: u64 = owned
        .iter()
        .map(|&k| {
            let (a, b) = chunk_range(k, cfg.paths, size);
            b - a
        })
        .sum();
    let mut todo: Vec<u64> = owned
        .iter()
        .copied()
        .filter(|k| !done.contains_key(&(k * size)))
        .collect();
    if let Some(m) = cfg.max_chunks {
        todo.truncate(m);
    }
    let already: u64 = paths_owned
        - owned
            .iter()
            .copied()
            .filter(|k| !done.contains_key(&(k * size)))
            .map(|k| {
                let (a, b) = chunk_range(k, cfg.paths, size);
                b - a
            })
            .sum::<u64>();
    let finished = AtomicUsize::new(usize::try_from(already).unwrap_or(0));
    let work = |k: &u64| -> Result<u64, StressError> {
        let (a, b) = chunk_range(*k, cfg.paths, size);
        let rows: Vec<T::Row> = (a..b).map(run).collect();
        let bytes = table
            .write_csv(&rows)
            .map_err(|message| StressError::Table {
                path: out.into(),
                message,
            })?;
        atomic_write(&out.join("parts").join(part_name(a, b)), &bytes)?;
        let n = finished.fetch_add(usize::try_from(b - a).unwrap_or(0), Ordering::Relaxed)
            + usize::try_from(b - a).unwrap_or(0);
        progress(n as u64);
        Ok(b - a)
    };
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(t) = cfg.threads {
        builder = builder.num_threads(t.max(1));
    }
    let pool = builder
        .build()
        .map_err(|e| StressError::Pool(e.to_string()))?;
    let ran: u64 = pool
        .install(|| todo.par_iter().map(work).collect::<Result<Vec<u64>, _>>())?
        .iter()
        .sum();
    let paths_done = already + ran;
    let distribution = if cfg.shard == Shard::ALL && paths_done == paths_owned {
        Some(finalize(table, &[out.to_path_buf()], out)?)
    } else {
        None
    };
    Ok(StressOutcome {
        paths_run: ran,
        paths_done,
        paths_owned,
        distribution,
    })
}

/// Combine shard directories into `out`: checks they are shares of one run and cover
/// every path exactly, then writes the same final outputs a single run would.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<Distribution, StressError> {
    merge_of(&VenueTable, dirs, out)
}

/// What kind of run a stress directory holds, and its table's columns.
pub fn stress_kind(dir: &Path) -> Result<(RunKind, Vec<String>), StressError> {
    let m = read_manifest(dir)?.ok_or_else(|| StressError::NotAStressDir(dir.to_path_buf()))?;
    Ok((m.kind, m.columns))
}

/// [`merge`] for any kind of run.
pub fn merge_of<T: PathTable>(
    table: &T,
    dirs: &[PathBuf],
    out: &Path,
) -> Result<T::Distribution, StressError> {
    let mut first: Option<StressManifest> = None;
    for d in dirs {
        let m = read_manifest(d)?.ok_or_else(|| StressError::NotAStressDir(d.clone()))?;
        match &first {
            Some(f) if !f.same_run(&m) => return Err(StressError::DifferentRun(d.clone())),
            Some(_) => {}
            None => first = Some(m),
        }
    }
    let manifest = first.ok_or_else(|| StressError::NotAStressDir(out.to_path_buf()))?;
    fs::create_dir_all(out).map_err(io(out))?;
    let merged = StressManifest {
        shard: Shard::ALL,
        ..manifest
    };
    let json = serde_json::to_vec_pretty(&merged).map_err(|e| StressError::Table {
        path: out.into(),
        message: e.to_string(),
    })?;
    atomic_write(&out.join("stress-manifest.json"), &json)?;
    finalize(table, dirs, out)
}

/// Read every part of `dirs`, check coverage, write the final outputs into `out`.
fn finalize<T: PathTable>(
    table: &T,
    dirs: &[PathBuf],
    out: &Path,
) -> Result<T::Distribution, StressError> {
    let manifest =
        read_manifest(&dirs[0])?.ok_or_else(|| StressError::NotAStressDir(dirs[0].clone()))?;
    let mut rows: Vec<T::Row> = Vec::new();
    for d in dirs {
        for (_, (_, p)) in finished_parts(d)? {
            rows.extend(table.read_csv(&p).map_err(|message| StressError::Table {
                path: p.clone(),
                message,
            })?);
        }
    }
    rows.sort_by_key(T::path_of);
    rows.dedup_by_key(|r| T::path_of(r));
    let missing: Vec<u64> = {
        let have: std::collections::BTreeSet<u64> = rows.iter().map(T::path_of).collect();
        (0..manifest.paths).filter(|i| !have.contains(i)).collect()
    };
    if let Some(&first) = missing.first() {
        return Err(StressError::Incomplete {
            missing: missing.len() as u64,
            total: manifest.paths,
            first,
        });
    }
    let csv = table
        .write_csv(&rows)
        .map_err(|message| StressError::Table {
            path: out.into(),
            message,
        })?;
    atomic_write(&out.join("paths.csv"), &csv)?;
    let pq = out.join("paths.parquet");
    let tmp = out.join("paths.parquet.tmp");
    table
        .write_parquet(&tmp, &rows)
        .map_err(|message| StressError::Table {
            path: tmp.clone(),
            message,
        })?;
    fs::rename(&tmp, &pq).map_err(io(&pq))?;
    let dist = table.summarize(&rows);
    let json = serde_json::to_vec_pretty(&dist).map_err(|e| StressError::Table {
        path: out.into(),
        message: e.to_string(),
    })?;
    atomic_write(&out.join("distribution.json"), &json)?;
    Ok(dist)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_come_from_job_arrays() {
        assert_eq!(
            Shard::parse("3/16").unwrap(),
            Shard {
                index: 3,
                count: 16
            }
        );
        assert!(
            Shard::parse("16/16").is_err()
                && Shard::parse("x").is_err()
                && Shard::parse("0/0").is_err()
        );
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(a, _)| *a == k)
                    .map(|(_, v)| (*v).to_string())
            }
        };
        assert_eq!(Shard::from_env(env(&[])).unwrap(), None);
        assert_eq!(
            Shard::from_env(env(&[
                ("SLURM_ARRAY_TASK_ID", "5"),
                ("SLURM_ARRAY_TASK_MIN", "1"),
                ("SLURM_ARRAY_TASK_COUNT", "8")
            ]))
            .unwrap(),
            Some(Shard { index: 4, count: 8 })
        );
        assert_eq!(
            Shard::from_env(env(&[
                ("JOB_COMPLETION_INDEX", "2"),
                ("FAULTLINE_SHARD_COUNT", "4")
            ]))
            .unwrap(),
            Some(Shard { index: 2, count: 4 })
        );
        assert!(Shard::from_env(env(&[("JOB_COMPLETION_INDEX", "2")])).is_err());
    }
}
