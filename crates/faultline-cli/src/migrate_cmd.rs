//! `faultline migrate`: a version-1 scenario rewritten as a one-venue world.

use crate::{print, InvalidInput};
use anyhow::{Context, Result};
use clap::Args;
use faultline_scenario::{load, parse};
use std::path::{Path, PathBuf};

/// Arguments of `faultline migrate`.
#[derive(Args, Debug)]
pub(crate) struct MigrateArgs {
    /// Version-1 scenario file.
    file: PathBuf,
    /// Write the world here (default: print it).
    #[arg(long, conflicts_with = "in_place")]
    out: Option<PathBuf>,
    /// Replace FILE with its world form.
    #[arg(long)]
    in_place: bool,
}

pub(crate) fn migrate_cmd(a: MigrateArgs) -> Result<()> {
    let text = std::fs::read_to_string(&a.file)
        .with_context(|| format!("reading {}", a.file.display()))?;
    if faultline_scenario::world_file::is_world(&text)
        || faultline_scenario::world_file::is_one_venue(&text)
    {
        anyhow::bail!("{}: already a world (schema_version = 2)", a.file.display());
    }
    let before = load(&a.file).map_err(InvalidInput)?;
    let world = faultline_scenario::migrate::migrate(&text)
        .map_err(|e| anyhow::anyhow!("{}: {e}", a.file.display()))?;
    let target = if a.in_place {
        Some(a.file.clone())
    } else {
        a.out
    };
    let named = target.clone().unwrap_or_else(|| a.file.clone());
    let base = a.file.parent().unwrap_or(Path::new("."));
    let after = parse(&world, &named, base).map_err(InvalidInput)?;
    let mut same = after.file.clone();
    same.schema_version = before.file.schema_version;
    if same != before.file {
        anyhow::bail!(
            "{}: the migrated file would describe a different scenario; nothing written \
             (please report this file)",
            a.file.display()
        );
    }
    match target {
        None => print(world.trim_end()),
        Some(path) => {
            let tmp = path.with_extension("toml.migrating");
            std::fs::write(&tmp, &world).with_context(|| format!("writing {}", tmp.display()))?;
            std::fs::rename(&tmp, &path)
                .with_context(|| format!("replacing {}", path.display()))?;
            eprintln!(
                "wrote {} (a one-venue world, schema_version = 2)",
                path.display()
            );
            Ok(())
        }
    }
}
