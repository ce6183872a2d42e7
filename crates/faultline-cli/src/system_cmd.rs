//! `faultline system FILE`: an alias kept for those who learned it. Multi-protocol
//! systems are world files now (docs/world.md); `system` runs one with the dynamic
//! Contagion Index (as `faultline run FILE --contagion`), or over paths (as
//! `faultline stress FILE --paths N`). The version-1 system format is gone.

use anyhow::Result;
use clap::Args;
use std::path::{Path, PathBuf};

/// Arguments of `faultline system`.
#[derive(Args, Debug)]
pub struct SystemArgs {
    /// World file (`schema_version = 2`).
    pub file: PathBuf,
    /// Seed; defaults to the file's `seed`.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output directory.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Skip the counterfactual runs behind the dynamic Contagion Index.
    #[arg(long)]
    pub no_contagion: bool,
    /// Monte Carlo: run this many paths (as `faultline stress`).
    #[arg(long, default_value_t = 1)]
    pub paths: u64,
    /// Worker threads for --paths (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
}

/// The message for a file in the retired system format.
pub fn retired(file: &Path) -> anyhow::Error {
    anyhow::anyhow!(
        "{}: version-1 system files (with an [eth] section) were replaced by world files \
         (schema_version = 2). scenarios/worlds/stablecoin-contagion.toml is the former \
         bundled system as a world; docs/world.md describes the format and \
         `faultline schema --world` prints it",
        file.display()
    )
}

/// Run it.
pub fn system_cmd(a: SystemArgs) -> Result<()> {
    if !crate::world_cmd::is_world_file(&a.file) {
        if faultline_scenario::file_kind(&a.file) == faultline_scenario::FileKind::System {
            return Err(retired(&a.file));
        }
        anyhow::bail!(
            "{}: `faultline system` runs world files (schema_version = 2); for a version-1 \
             scenario use `faultline run`",
            a.file.display()
        );
    }
    if a.paths > 1 {
        return crate::stress_cmd::stress(crate::stress_cmd::StressArgs {
            file: a.file,
            paths: a.paths,
            seed: a.seed,
            out: a.out,
            threads: a.threads,
            resume: false,
            shard: None,
            chunk_size: None,
            max_parts: None,
        });
    }
    crate::world_cmd::run(Some(&a.file), a.seed, a.out, !a.no_contagion)
}
