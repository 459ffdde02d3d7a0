//! The diagram as a Mermaid `flowchart LR`, for pasting into Markdown (GitHub renders it).
//! Node ids are the model's (`[a-z0-9_]`); every label is quoted and escaped with Mermaid's
//! entity codes ([`escape`]), so no label can close its quotes or start a link. Drifted nodes
//! carry the class `drifted` and the same drift line as the SVG.

use super::model::{Diagram, NodeKind};
use super::svg::shown_lines;
use std::fmt::Write;

/// The Mermaid text.
pub(crate) fn render(diagram: &Diagram) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "---\ntitle: \"{}\"\n---", escape(&diagram.title));
    out.push_str("flowchart LR\n");
    for node in &diagram.nodes {
        let label = shown_lines(node)
            .iter()
            .map(|line| escape(line))
            .collect::<Vec<_>>()
            .join("<br/>");
        let (open, close) = shape(node.kind);
        let _ = writeln!(out, "    {}{open}\"{label}\"{close}", node.id);
    }
    for edge in &diagram.edges {
        if edge.label.is_empty() {
            let _ = writeln!(out, "    {} --> {}", edge.from, edge.to);
        } else {
            let _ = writeln!(
                out,
                "    {} -->|\"{}\"| {}",
                edge.from,
                escape(&edge.label),
                edge.to
            );
        }
    }
    out.push_str("    classDef drifted stroke:#c62828,stroke-width:3px,stroke-dasharray:6 3\n");
    let drifted: Vec<&str> = diagram
        .nodes
        .iter()
        .filter(|node| node.is_drifted())
        .map(|node| node.id.as_str())
        .collect();
    if !drifted.is_empty() {
        let _ = writeln!(out, "    class {} drifted", drifted.join(","));
    }
    out
}

fn shape(kind: NodeKind) -> (&'static str, &'static str) {
    match kind {
        NodeKind::Clients => ("((", "))"),
        NodeKind::Domain | NodeKind::Route => ("(", ")"),
        NodeKind::LoadBalancer => ("[[", "]]"),
        NodeKind::VpcLink => ("{{", "}}"),
        NodeKind::Gateway | NodeKind::CortexApi => ("[", "]"),
    }
}

/// A label as Mermaid reads it inside double quotes: `#` first (it starts Mermaid's entity
/// codes), then the characters that would end the quotes, open HTML or a Markdown string;
/// control characters become spaces (a line break would end the statement).
pub(crate) fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '#' => escaped.push_str("#35;"),
            '"' => escaped.push_str("#quot;"),
            '&' => escaped.push_str("#amp;"),
            '<' => escaped.push_str("#lt;"),
            '>' => escaped.push_str("#gt;"),
            '`' => escaped.push_str("#96;"),
            c if c.is_control() => escaped.push(' '),
            c => escaped.push(c),
        }
    }
    escaped
}
