//! Charts as plain SVG: line charts (with event markers), bar charts, interval charts
//! and the failure-sequence timeline. No scripts, no external fonts or files, so the
//! same text works inline in the HTML page, as an `.svg` file and through the PNG
//! rasterizer.

use std::fmt::Write;

const W: f64 = 880.0;
const H: f64 = 320.0;
const LEFT: f64 = 78.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 52.0;
const FONT: &str = "DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif";
/// Series colours (colour-blind-safe, Okabe–Ito).
pub const PALETTE: [&str; 8] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442",
];

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// A polyline.
    Line,
    /// Vertical bars from zero.
    Bars,
}

/// One named series of (x, y) points.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend name.
    pub name: String,
    /// Points in x order.
    pub points: Vec<(f64, f64)>,
    /// Drawing style.
    pub style: Style,
}

impl Series {
    /// A line.
    pub fn line(name: &str, points: Vec<(f64, f64)>) -> Self {
        Self {
            name: name.into(),
            points,
            style: Style::Line,
        }
    }

    /// Bars.
    pub fn bars(name: &str, points: Vec<(f64, f64)>) -> Self {
        Self {
            name: name.into(),
            points,
            style: Style::Bars,
        }
    }
}

/// A chart with axes.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// File stem and HTML id.
    pub id: String,
    /// Title.
    pub title: String,
    /// X axis label.
    pub x_label: String,
    /// Y axis label.
    pub y_label: String,
    /// Series.
    pub series: Vec<Series>,
    /// Vertical markers (x, label), e.g. the first liquidation.
    pub markers: Vec<(f64, String)>,
    /// Categorical x labels for bar and interval charts (x = 0, 1, 2…).
    pub categories: Vec<String>,
    /// Intervals (x, low, mid, high) drawn as whiskers.
    pub intervals: Vec<(f64, f64, f64, f64)>,
}

impl Chart {
    /// An empty chart.
    pub fn new(id: &str, title: &str, x_label: &str, y_label: &str) -> Self {
        Self {
            id: id.into(),
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            series: Vec::new(),
            markers: Vec::new(),
            categories: Vec::new(),
            intervals: Vec::new(),
        }
    }

    /// True if there is anything to draw.
    pub fn has_data(&self) -> bool {
        self.series.iter().any(|s| !s.points.is_empty()) || !self.intervals.is_empty()
    }
}

/// Escape text for XML.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A number in a short human form: 1.2B, 3.4M, 56.7k, 0.0123.
pub fn short(v: f64) -> String {
    let a = v.abs();
    let (x, suffix) = if a >= 1e9 {
        (v / 1e9, "B")
    } else if a >= 1e6 {
        (v / 1e6, "M")
    } else if a >= 1e4 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    let digits = if x.abs() >= 100.0 || x.fract() == 0.0 {
        0
    } else if x.abs() >= 10.0 {
        1
    } else if x.abs() >= 0.1 || x == 0.0 {
        2
    } else {
        4
    };
    format!("{x:.digits$}{suffix}")
}

/// Tick positions covering [lo, hi] with a 1-2-5 step.
pub fn ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return vec![lo];
    }
    let raw = (hi - lo) / n.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let mut t = (lo / step).ceil() * step;
    let mut out = Vec::new();
    while t <= hi + step * 1e-9 && out.len() < 50 {
        out.push(if t.abs() < step * 1e-9 { 0.0 } else { t });
        t += step;
    }
    out
}

/// Keep at most about `max` points, preserving each bucket's extremes (spikes survive).
pub fn thin(points: &[(f64, f64)], max: usize) -> Vec<(f64, f64)> {
    if points.len() <= max || max < 4 {
        return points.to_vec();
    }
    let per = points.len().div_ceil(max / 2);
    let mut out = Vec::with_capacity(max + 2);
    for chunk in points.chunks(per) {
        let lo = chunk.iter().min_by(|a, b| a.1.total_cmp(&b.1));
        let hi = chunk.iter().max_by(|a, b| a.1.total_cmp(&b.1));
        if let (Some(&l), Some(&h)) = (lo, hi) {
            if l.0 <= h.0 {
                out.push(l);
                out.push(h);
            } else {
                out.push(h);
                out.push(l);
            }
        }
    }
    out
}

fn bounds(c: &Chart) -> (f64, f64, f64, f64) {
    let mut xs: Vec<f64> = Vec::new();
    let mut ys: Vec<f64> = Vec::new();
    for s in &c.series {
        for &(x, y) in &s.points {
            if x.is_finite() && y.is_finite() {
                xs.push(x);
                ys.push(y);
            }
        }
        if s.style == Style::Bars {
            ys.push(0.0);
        }
    }
    for &(x, lo, mid, hi) in &c.intervals {
        xs.push(x);
        ys.extend([lo, mid, hi, 0.0]);
    }
    if !c.categories.is_empty() {
        xs.push(-0.5);
        xs.push(c.categories.len() as f64 - 0.5);
    }
    let fold = |v: &[f64]| {
        v.iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                (a.min(x), b.max(x))
            })
    };
    let (mut x0, mut x1) = fold(&xs);
    let (mut y0, mut y1) = fold(&ys);
    if !x0.is_finite() {
        (x0, x1) = (0.0, 1.0);
    }
    if !y0.is_finite() {
        (y0, y1) = (0.0, 1.0);
    }
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    if y1 <= y0 {
        let pad = if y0 == 0.0 { 1.0 } else { y0.abs() * 0.05 };
        y0 -= pad;
        y1 += pad;
    } else {
        let pad = (y1 - y0) * 0.05;
        y1 += pad;
        if y0 != 0.0 {
            y0 -= pad;
        }
    }
    (x0, x1, y0, y1)
}

/// Render a chart.
pub fn svg(c: &Chart) -> String {
    let (x0, x1, y0, y1) = bounds(c);
    let pw = W - LEFT - RIGHT;
    let ph = H - TOP - BOTTOM;
    let sx = |x: f64| LEFT + (x - x0) / (x1 - x0) * pw;
    let sy = |y: f64| TOP + ph - (y - y0) / (y1 - y0) * ph;
    let mut o = String::new();
    let _ = write!(
        o,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="{FONT}" font-size="12" role="img" aria-label="{t}"><rect width="{W}" height="{H}" fill="#ffffff"/><text x="{LEFT}" y="22" font-size="15" font-weight="bold" fill="#222">{t}</text>"##,
        t = esc(&c.title)
    );
    // Grid and axes.
    for t in ticks(y0, y1, 5) {
        let y = sy(t);
        let _ = write!(
            o,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#e4e4e4"/><text x="{:.1}" y="{:.1}" text-anchor="end" fill="#444">{}</text>"##,
            W - RIGHT,
            LEFT - 6.0,
            y + 4.0,
            short(t)
        );
    }
    if c.categories.is_empty() {
        for t in ticks(x0, x1, 8) {
            let x = sx(t);
            let _ = write!(
                o,
                r##"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="#999"/><text x="{x:.1}" y="{:.1}" text-anchor="middle" fill="#444">{}</text>"##,
                TOP + ph,
                TOP + ph + 5.0,
                TOP + ph + 18.0,
                short(t)
            );
        }
    } else {
        for (i, name) in c.categories.iter().enumerate() {
            let x = sx(i as f64);
            let _ = write!(
                o,
                r##"<text x="{x:.1}" y="{:.1}" text-anchor="middle" fill="#444">{}</text>"##,
                TOP + ph + 18.0,
                esc(name)
            );
        }
    }
    let _ = write!(
        o,
        r##"<line x1="{LEFT}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#555"/><line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{:.1}" stroke="#555"/>"##,
        TOP + ph,
        W - RIGHT,
        TOP + ph,
        TOP + ph
    );
    if y0 < 0.0 && y1 > 0.0 {
        let _ = write!(
            o,
            r##"<line x1="{LEFT}" y1="{z:.1}" x2="{:.1}" y2="{z:.1}" stroke="#777" stroke-dasharray="3 3"/>"##,
            W - RIGHT,
            z = sy(0.0)
        );
    }
    let _ = write!(
        o,
        r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#333">{}</text><text transform="translate(16 {:.1}) rotate(-90)" text-anchor="middle" fill="#333">{}</text>"##,
        LEFT + pw / 2.0,
        H - 10.0,
        esc(&c.x_label),
        TOP + ph / 2.0,
        esc(&c.y_label)
    );
    // Markers.
    for (k, (x, label)) in c.markers.iter().enumerate() {
        if *x < x0 || *x > x1 {
            continue;
        }
        let px = sx(*x);
        let ty = TOP + 12.0 + (k % 4) as f64 * 13.0;
        let _ = write!(
            o,
            r##"<line x1="{px:.1}" y1="{TOP}" x2="{px:.1}" y2="{:.1}" stroke="#888" stroke-dasharray="4 3"/><text x="{:.1}" y="{ty:.1}" font-size="10" fill="#555">{}</text>"##,
            TOP + ph,
            px + 3.0,
            esc(label)
        );
    }
    // Series.
    let bar_series = c
        .series
        .iter()
        .filter(|s| s.style == Style::Bars)
        .count()
        .max(1);
    let mut bar_k = 0usize;
    for (i, s) in c.series.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        match s.style {
            Style::Line => {
                let pts = thin(&s.points, 1500);
                let mut d = String::new();
                for (j, &(x, y)) in pts
                    .iter()
                    .filter(|p| p.0.is_finite() && p.1.is_finite())
                    .enumerate()
                {
                    let _ = write!(
                        d,
                        "{}{:.1},{:.1}",
                        if j == 0 { "M" } else { " L" },
                        sx(x),
                        sy(y)
                    );
                }
                let _ = write!(
                    o,
                    r##"<path class="series" d="{d}" fill="none" stroke="{color}" stroke-width="1.6"/>"##
                );
            }
            Style::Bars => {
                let n = s.points.len().max(1) as f64;
                let slot = if c.categories.is_empty() {
                    pw / n
                } else {
                    pw / c.categories.len().max(1) as f64
                };
                let bw = (slot * 0.8 / bar_series as f64).max(0.8);
                for &(x, y) in &s.points {
                    if !(x.is_finite() && y.is_finite()) || y == 0.0 {
                        continue;
                    }
                    let cx = sx(x) - slot * 0.4 + bar_k as f64 * bw;
                    let (top, h) = if y >= 0.0 {
                        (sy(y), sy(0.0) - sy(y))
                    } else {
                        (sy(0.0), sy(y) - sy(0.0))
                    };
                    let _ = write!(
                        o,
                        r##"<rect class="series" x="{cx:.1}" y="{top:.1}" width="{bw:.2}" height="{:.1}" fill="{color}"/>"##,
                        h.max(0.5)
                    );
                }
                bar_k += 1;
            }
        }
    }
    for &(x, lo, mid, hi) in &c.intervals {
        let px = sx(x);
        let _ = write!(
            o,
            r##"<line class="series" x1="{px:.1}" y1="{:.1}" x2="{px:.1}" y2="{:.1}" stroke="#333" stroke-width="1.5"/><line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#333"/><line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#333"/><circle cx="{px:.1}" cy="{:.1}" r="4" fill="{}"/>"##,
            sy(lo),
            sy(hi),
            px - 6.0,
            sy(lo),
            px + 6.0,
            sy(lo),
            px - 6.0,
            sy(hi),
            px + 6.0,
            sy(hi),
            sy(mid),
            if mid < 0.0 { "#009E73" } else { "#D55E00" }
        );
    }
    // Legend.
    let mut lx = LEFT + 8.0;
    for (i, s) in c.series.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let _ = write!(
            o,
            r##"<rect x="{lx:.1}" y="{:.1}" width="12" height="4" fill="{color}"/><text x="{:.1}" y="{:.1}" font-size="11" fill="#333">{}</text>"##,
            TOP - 9.0,
            lx + 16.0,
            TOP - 5.0,
            esc(&s.name)
        );
        lx += 28.0 + 6.5 * s.name.chars().count() as f64;
    }
    o.push_str("</svg>");
    o
}

/// The failure sequence: one row per event on a block axis.
pub fn timeline_svg(title: &str, events: &[(f64, String, String)], x_max: f64) -> String {
    let rows = events.len().max(1);
    let h = TOP + 20.0 * rows as f64 + 40.0;
    let pw = W - 300.0 - RIGHT;
    let left = 300.0;
    let sx = |x: f64| left + x / x_max.max(1.0) * pw;
    let mut o = String::new();
    let _ = write!(
        o,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{h}" viewBox="0 0 {W} {h}" font-family="{FONT}" font-size="11" role="img" aria-label="{t}"><rect width="{W}" height="{h}" fill="#ffffff"/><text x="12" y="22" font-size="15" font-weight="bold" fill="#222">{t}</text>"##,
        t = esc(title)
    );
    let axis_y = h - 28.0;
    for t in ticks(0.0, x_max.max(1.0), 8) {
        let x = sx(t);
        let _ = write!(
            o,
            r##"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{axis_y:.1}" stroke="#eee"/><text x="{x:.1}" y="{:.1}" text-anchor="middle" fill="#444">{}</text>"##,
            axis_y + 14.0,
            short(t)
        );
    }
    let _ = write!(
        o,
        r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#333">block</text>"##,
        left + pw / 2.0,
        h - 4.0
    );
    for (k, (x, who, _)) in events.iter().enumerate() {
        let y = TOP + 10.0 + 20.0 * k as f64;
        // Colour by the first word (the protocol in a system, the kind in a run).
        let group = who.split(' ').next().unwrap_or("");
        let color = PALETTE[(group.bytes().map(usize::from).sum::<usize>()) % 6];
        let mut label: String = who.replace('_', " ");
        if label.chars().count() > 44 {
            label = label.chars().take(43).collect::<String>() + "…";
        }
        let _ = write!(
            o,
            r##"<text x="12" y="{:.1}" fill="#333">{}</text><line x1="{left}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#ddd"/><circle class="series" cx="{:.1}" cy="{y:.1}" r="5" fill="{color}"/><text x="{:.1}" y="{:.1}" fill="#666">{}</text>"##,
            y + 4.0,
            esc(&label),
            sx(*x),
            sx(*x),
            sx(*x) + 8.0,
            y + 4.0,
            short(*x)
        );
    }
    o.push_str("</svg>");
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(ticks(0.0, 10.0, 5), vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        let t = ticks(1_234.0, 98_765.0, 5);
        assert!(
            t.windows(2).all(|w| (w[1] - w[0] - 20_000.0).abs() < 1e-6),
            "{t:?}"
        );
    }

    #[test]
    fn numbers_are_short() {
        assert_eq!(short(2_500_000.0), "2.50M");
        assert_eq!(short(12_345.0), "12.3k");
        assert_eq!(short(0.0123), "0.0123");
        assert_eq!(short(-3.0e9), "-3B");
    }

    #[test]
    fn thinning_keeps_spikes() {
        let mut pts: Vec<(f64, f64)> = (0..10_000).map(|i| (f64::from(i), 1.0)).collect();
        pts[5_000].1 = 99.0;
        let t = thin(&pts, 500);
        assert!(t.len() <= 502);
        assert!(t.iter().any(|p| (p.1 - 99.0).abs() < 1e-12));
    }

    #[test]
    fn a_chart_is_well_formed_svg_with_its_series() {
        let mut c = Chart::new("p", "Price & <depth>", "block", "USD");
        c.series
            .push(Series::line("mark", vec![(0.0, 1.0), (1.0, 2.0)]));
        c.series
            .push(Series::bars("volume", vec![(0.0, 3.0), (1.0, 0.0)]));
        c.markers.push((0.5, "first liquidation".into()));
        let s = svg(&c);
        assert!(s.starts_with("<svg") && s.ends_with("</svg>"));
        assert!(s.contains("Price &amp; &lt;depth&gt;"));
        assert_eq!(s.matches(r#"class="series""#).count(), 2);
    }
}
