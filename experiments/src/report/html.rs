//! `report.html`: the document as one self-contained HTML file. The charts are the stages' SVGs,
//! inlined; the chart font is embedded once for the whole page (each SVG file carries its own
//! copy, which is removed when inlining), so the page needs no network and no installed font.

use super::doc::{Doc, Table};
use std::fmt::Write;

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// An SVG file's text ready to inline: without an XML declaration and without its embedded
/// `@font-face` block (the page declares the font once), scaled to the page's width.
pub fn inline_svg(svg: &str) -> String {
    let mut s = svg.to_string();
    if let Some(end) = s.find("?>").filter(|_| s.starts_with("<?xml")) {
        s = s[end + 2..].to_string();
    }
    let font = (s.find("<defs><style>@font-face"), s.find("</style></defs>"));
    if let (Some(a), Some(b)) = font
        && a < b
    {
        s.replace_range(a..b + "</style></defs>".len(), "");
    }
    s.replacen("<svg ", "<svg style=\"max-width:100%;height:auto\" ", 1)
}

fn table(out: &mut String, t: &Table) {
    out.push_str("<table>\n<tr>");
    for h in &t.header {
        let _ = write!(out, "<th>{}</th>", esc(h));
    }
    out.push_str("</tr>\n");
    for r in &t.rows {
        out.push_str("<tr>");
        for c in r {
            let _ = write!(out, "<td>{}</td>", esc(c));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
}

/// Renders `doc`; `svg(path)` returns the text of a chart's SVG file (relative to the run
/// folder), or why it cannot be read.
pub fn render(doc: &Doc, svg: &dyn Fn(&std::path::Path) -> Result<String, String>) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n\
         <style>\n@font-face{{font-family:'{}';src:url(data:font/ttf;base64,{}) format('truetype');}}\n\
         body{{font-family:'{}',sans-serif;max-width:1150px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}}\n\
         .verdict{{background:#f3f7ee;border-left:6px solid #5a8f29;padding:.6em 1.2em}}\n\
         .verdict.no{{background:#fbf0ec;border-left-color:#b5442a}}\n\
         table{{border-collapse:collapse;margin:.8em 0;font-size:90%}}\n\
         th,td{{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}}\n\
         th{{background:#f0f0f0}}\n.status{{color:#555}}\ncode,pre{{font-size:88%}}\n\
         pre{{background:#f6f6f6;padding:.6em;overflow-x:auto}}\nfigure{{margin:1em 0}}\n\
         </style>\n</head>\n<body>\n",
        esc(&doc.title),
        crate::plot::font::FAMILY,
        crate::plot::font::font_base64(),
        crate::plot::font::FAMILY
    );
    let _ = writeln!(out, "<h1>{}</h1>", esc(&doc.title));
    let no = doc
        .verdict
        .first()
        .is_some_and(|v| !v.starts_with("RTM works"));
    let _ = writeln!(
        out,
        "<div class=\"verdict{}\">\n<h2>Verdict</h2>\n<ul>",
        if no { " no" } else { "" }
    );
    for v in &doc.verdict {
        let _ = writeln!(out, "<li>{}</li>", esc(v));
    }
    out.push_str("</ul>\n</div>\n");
    let _ = writeln!(out, "<p>{}</p>", esc(&doc.budget));
    out.push_str(
        "<p>Every number in this report is computed from the data files listed in each section \
         (<code>tmlab report DIR</code> rebuilds it from them).</p>\n<ul>\n",
    );
    for s in &doc.sections {
        let _ = writeln!(
            out,
            "<li><a href=\"#{}\">{}</a></li>",
            esc(&s.id),
            esc(&s.title)
        );
    }
    out.push_str("</ul>\n");
    for s in &doc.sections {
        let _ = writeln!(out, "<h2 id=\"{}\">{}</h2>", esc(&s.id), esc(&s.title));
        let _ = writeln!(
            out,
            "<p class=\"status\">Stage <code>{}</code>: {}.</p>",
            esc(&s.id),
            esc(&s.status)
        );
        if !s.sentence.is_empty() {
            let _ = writeln!(out, "<p>{}</p>", esc(&s.sentence));
        }
        for c in &s.charts {
            match svg(&c.svg) {
                Ok(text) => {
                    let _ = writeln!(out, "<figure>\n{}\n</figure>", inline_svg(&text));
                }
                Err(e) => {
                    let _ = writeln!(
                        out,
                        "<p>chart {} missing: {}</p>",
                        esc(&c.svg.display().to_string()),
                        esc(&e)
                    );
                }
            }
        }
        if let Some(t) = &s.table {
            table(&mut out, t);
        }
        if !s.files.is_empty() {
            let list: Vec<String> = s
                .files
                .iter()
                .map(|f| format!("<code>{}</code>", esc(f)))
                .collect();
            let _ = writeln!(out, "<p>Data: {}</p>", list.join(", "));
        }
    }
    out.push_str("<h2 id=\"machine\">Machine</h2>\n");
    table(
        &mut out,
        &Table {
            header: vec!["".into(), "".into()],
            rows: doc
                .machine
                .iter()
                .map(|(k, v)| vec![k.clone(), v.clone()])
                .collect(),
        },
    );
    out.push_str("<h2 id=\"commands\">Commands</h2>\n<p>The run's sessions, then each stage's own command (run alone, it writes a new folder in that stage's folder):</p>\n<pre>");
    for c in &doc.commands {
        let _ = writeln!(out, "{}", esc(c));
    }
    out.push_str("</pre>\n<h2 id=\"files\">Data files</h2>\n<ul>\n");
    for s in &doc.sections {
        for f in &s.files {
            let _ = writeln!(out, "<li><code>{}</code> ({})</li>", esc(f), esc(&s.id));
        }
    }
    out.push_str("</ul>\n</body>\n</html>\n");
    out
}
