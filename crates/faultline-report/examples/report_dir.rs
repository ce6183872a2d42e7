//! `cargo run -p faultline-report --example report_dir -- DIR`: report one directory.
fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| ".".into());
    match faultline_report::report(std::path::Path::new(&dir)) {
        Ok(w) => eprintln!("{} ({} chart files)", w.html.display(), w.charts.len()),
        Err(e) => eprintln!("error: {e}"),
    }
}
