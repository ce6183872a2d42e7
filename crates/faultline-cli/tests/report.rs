//! Reports render in a real browser: headless Chromium (Debian's `chromium` package)
//! loads each kind of report from disk, runs its script and shows every chart, with no
//! console message of any kind. CI sets `FAULTLINE_REQUIRE_CHROMIUM=1` and installs the
//! browser; elsewhere the browser part is skipped with a notice when none is found.

use std::path::{Path, PathBuf};
use std::process::Command;

fn faultline(args: &[&str], cwd: &Path) {
    let out = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run faultline");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("report: "));
}

fn chromium() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("FAULTLINE_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
}

/// Load `html` headless; return the rendered DOM and the browser's stderr.
fn render(browser: &Path, html: &Path) -> (String, String) {
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=3000",
            "--dump-dom",
        ])
        .arg(format!("file://{}", html.display()))
        .output()
        .expect("run chromium");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn check_files(dir: &Path, min_charts: usize) {
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    // Self-contained: nothing fetched (the only URL is the SVG namespace).
    assert!(
        !html.contains("<link") && !html.contains(" src="),
        "external resources in {}",
        dir.display()
    );
    assert!(
        !html
            .replace("http://www.w3.org/2000/svg", "")
            .contains("http"),
        "a URL in {}",
        dir.display()
    );
    let charts: Vec<_> = std::fs::read_dir(dir.join("charts"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let pngs: Vec<_> = charts
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    let svgs = charts
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "svg"))
        .count();
    assert!(
        pngs.len() >= min_charts && svgs == pngs.len(),
        "{}: {} png, {svgs} svg",
        dir.display(),
        pngs.len()
    );
    for p in pngs {
        let bytes = std::fs::read(p).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{}", p.display());
        assert!(bytes.len() > 2_000, "{} looks empty", p.display());
    }
}

#[test]
fn every_kind_of_report_shows_its_charts_in_a_browser_without_console_errors() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let scen = |p: &str| root.join(p).to_str().unwrap().to_string();
    let (run, stress, compare) = (t.join("run"), t.join("stress"), t.join("compare"));
    let (world, world_mc) = (t.join("world"), t.join("world-mc"));
    let world_file = scen("scenarios/worlds/stablecoin-collateral.toml");
    faultline(
        &[
            "run",
            &world_file,
            "--contagion",
            "--out",
            world.to_str().unwrap(),
        ],
        t,
    );
    faultline(
        &[
            "stress",
            &world_file,
            "--paths",
            "3",
            "--out",
            world_mc.to_str().unwrap(),
        ],
        t,
    );
    faultline(&["run", "--out", run.to_str().unwrap()], t);
    faultline(
        &[
            "stress",
            &scen("scenarios/default.toml"),
            "--paths",
            "4",
            "--out",
            stress.to_str().unwrap(),
        ],
        t,
    );
    faultline(
        &[
            "compare",
            &scen("scenarios/mitigations/base.toml"),
            &scen("scenarios/mitigations/backstop.toml"),
            "--paths",
            "2",
            "--out",
            compare.to_str().unwrap(),
        ],
        t,
    );
    // (directory, charts it must show at least)
    let cases = [
        (&run, 5),
        (&stress, 5),
        (&compare, 5),
        // A world: each asset with its oracles, venues, and three protocol charts.
        (&world, 7),
        (&world_mc, 3),
    ];
    for (dir, n) in cases {
        check_files(dir, n);
    }
    // `faultline report` alone rewrites the same report.
    let before = std::fs::read(run.join("report.html")).unwrap();
    faultline(&["report", run.to_str().unwrap()], t);
    assert_eq!(before, std::fs::read(run.join("report.html")).unwrap());

    let Some(browser) = chromium() else {
        assert!(
            std::env::var("FAULTLINE_REQUIRE_CHROMIUM").is_err(),
            "FAULTLINE_REQUIRE_CHROMIUM is set but no Chromium was found (apt-get install chromium)"
        );
        eprintln!("skipping the browser check: no Chromium found (apt-get install chromium)");
        return;
    };
    for (dir, n) in cases {
        let (dom, log) = render(&browser, &dir.join("report.html"));
        assert!(
            dom.contains("data-ready=\"1\""),
            "{}: the page's script did not run",
            dir.display()
        );
        let shown: usize = dom
            .split("data-charts=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        assert!(
            shown >= n,
            "{}: {shown} charts shown, expected at least {n}",
            dir.display()
        );
        let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
        assert!(
            console.is_empty(),
            "{}: console messages: {console:?}",
            dir.display()
        );
    }
}

#[test]
fn a_directory_that_is_not_a_run_is_refused_with_a_hint() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(["report", tmp.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a Faultline run directory"), "{err}");
}
