//! The HTML page: everything inline, so the file works offline and can be mailed.

use crate::chart::esc;
use crate::Page;
use std::fmt::Write;

const STYLE: &str = "body{font-family:-apple-system,'Segoe UI',Roboto,'DejaVu Sans',Arial,sans-serif;margin:0;color:#222;background:#f6f6f4}\
main{max-width:940px;margin:0 auto;padding:24px}h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}\
.sub{color:#666;margin:0 0 16px}figure{margin:16px 0;background:#fff;border:1px solid #e2e2e2;border-radius:6px;padding:8px}\
figure svg{max-width:100%;height:auto;display:block}figcaption{font-size:12px;color:#666;margin-top:4px}\
table{border-collapse:collapse;font-size:13px;background:#fff;margin:8px 0}td,th{border:1px solid #e2e2e2;padding:4px 8px;text-align:left;vertical-align:top}\
th{background:#f0f0ee}td.n{text-align:right;font-variant-numeric:tabular-nums}.note{font-size:13px;color:#444}";

/// Marks the page as rendered: the number of charts it shows, for readers and tests.
const SCRIPT: &str = "document.addEventListener('DOMContentLoaded',function(){var n=document.querySelectorAll('figure svg .series').length>0?document.querySelectorAll('figure svg').length:0;document.body.setAttribute('data-charts',String(n));document.body.setAttribute('data-ready','1');});";

fn numeric(s: &str) -> bool {
    s.trim_start_matches(['-', '+'])
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_digit())
}

fn table(o: &mut String, header: &[String], rows: &[Vec<String>]) {
    o.push_str("<table><thead><tr>");
    for h in header {
        let _ = write!(o, "<th>{}</th>", esc(h));
    }
    o.push_str("</tr></thead><tbody>");
    for r in rows {
        o.push_str("<tr>");
        for c in r {
            let class = if numeric(c) { " class=\"n\"" } else { "" };
            let _ = write!(o, "<td{class}>{}</td>", esc(c));
        }
        o.push_str("</tr>");
    }
    o.push_str("</tbody></table>");
}

/// Render the page; `svgs` are (id, title, svg) in display order.
pub(crate) fn render(p: &Page, svgs: &[(String, String, String)]) -> String {
    let mut o = String::new();
    let _ = write!(
        o,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{}</title><style>{STYLE}</style></head><body><main><h1>{}</h1><p class=\"sub\">{}</p>",
        esc(&p.title),
        esc(&p.title),
        esc(&p.subtitle)
    );
    for n in &p.notes {
        let _ = write!(o, "<p class=\"note\">{}</p>", esc(n));
    }
    if !p.figures.is_empty() {
        o.push_str("<h2>Key figures</h2>");
        let rows: Vec<Vec<String>> = p
            .figures
            .iter()
            .map(|(k, v)| vec![k.clone(), v.clone()])
            .collect();
        table(&mut o, &["".into(), "".into()], &rows);
    }
    for (heading, header, rows) in &p.tables {
        let _ = write!(o, "<h2>{}</h2>", esc(heading));
        table(&mut o, header, rows);
    }
    if !svgs.is_empty() {
        o.push_str("<h2>Charts</h2>");
    }
    for (id, title, svg) in svgs {
        let _ = write!(
            o,
            "<figure id=\"{id}\">{svg}<figcaption>{} — <a href=\"charts/{id}.svg\">SVG</a> · <a href=\"charts/{id}.png\">PNG</a></figcaption></figure>",
            esc(title)
        );
    }
    if !p.events.is_empty() {
        o.push_str("<h2>Failure sequence</h2>");
        let rows: Vec<Vec<String>> = p
            .events
            .iter()
            .map(|(b, who, what)| vec![format!("{b}"), who.clone(), what.clone()])
            .collect();
        table(
            &mut o,
            &["block".into(), "where".into(), "what".into()],
            &rows,
        );
    }
    let _ = write!(
        o,
        "<p class=\"note\">Written by faultline {}. Every figure above is read from the files in this directory.</p></main><script>{SCRIPT}</script></body></html>",
        env!("CARGO_PKG_VERSION")
    );
    o
}
