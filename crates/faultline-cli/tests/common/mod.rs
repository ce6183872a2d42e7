//! Running the `faultline` binary from the CLI tests.

use std::path::Path;
use std::process::{Command, Output};

/// Run `faultline` with `args` in `cwd`.
pub fn faultline(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run faultline")
}

/// A file of a run directory, or a panic naming it.
pub fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(name).display()))
}
