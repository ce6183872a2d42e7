//! Progress of long work: a bar on a terminal, a log line at every tenth otherwise (so a
//! batch job's log shows a long stress run moving).

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};

/// Progress of `len` units of work named `what` (e.g. "paths").
pub(crate) struct Progress {
    bar: Option<ProgressBar>,
    label: String,
    len: u64,
    /// The last tenth logged (non-terminal only).
    logged: AtomicU64,
}

impl Progress {
    pub(crate) fn new(label: &str, len: u64) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(len);
            bar.set_style(
                ProgressStyle::with_template(&format!(
                    "{label} {{bar:40}} {{pos}}/{{len}}  {{per_sec}}  eta {{eta}}"
                ))
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        });
        Self {
            bar,
            label: label.to_string(),
            len,
            logged: AtomicU64::new(0),
        }
    }

    /// `done` units are finished.
    pub(crate) fn set(&self, done: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(done);
            return;
        }
        let tenth = done.saturating_mul(10) / self.len.max(1);
        if tenth > self.logged.fetch_max(tenth, Ordering::Relaxed) {
            eprintln!("{}: {done}/{} ({}%)", self.label, self.len, tenth * 10);
        }
    }

    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
