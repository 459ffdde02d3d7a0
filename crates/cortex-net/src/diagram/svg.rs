//! The diagram as a self-contained SVG document: no script, no external font, image or style
//! sheet, so a browser (or GitHub's Markdown) shows it as is. The layout is computed here: one
//! column per kind of node, left to right in the direction requests flow, the nodes of a
//! column stacked in the order the model lists them (configuration order).
//!
//! Every node is a `<g class="node">` with `id="node-<id>"`, `data-kind` and `data-drifted`,
//! every edge a `<g class="edge">` with `data-from` and `data-to`: tests (and readers) find the
//! state in the document without guessing from coordinates. Every text goes through
//! [`escape`].

use super::model::{Diagram, Edge, Node, NodeKind};
use std::collections::BTreeMap;
use std::fmt::Write;

/// The width of one character of the 12px monospace font, rounded up: boxes sized from it
/// hold their text in every browser's monospace font.
const CHAR_WIDTH: f64 = 7.4;
const LINE_HEIGHT: f64 = 16.0;
const PADDING: f64 = 10.0;
const MIN_COLUMN_GAP: f64 = 80.0;
/// The width of one character of the 10px edge labels.
const LABEL_CHAR_WIDTH: f64 = 6.2;
/// How far below the boxes edges that skip columns run.
const DETOUR_DEPTH: f64 = 36.0;
const ROW_GAP: f64 = 26.0;
const MARGIN: f64 = 20.0;
const TITLE_HEIGHT: f64 = 30.0;
/// Longer lines are cut (with an ellipsis) so that one long value cannot stretch the picture.
const MAX_LINE_CHARS: usize = 64;

const DRIFT_COLOUR: &str = "#c62828";

/// Where a node is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Placed {
    x: f64,
    y: f64,
    width: f64,
    height: f64,
}

/// The lines a node shows: its own, then the drift mark.
pub(crate) fn shown_lines(node: &Node) -> Vec<String> {
    let mut lines: Vec<String> = node.lines.iter().map(|line| cut(line)).collect();
    if node.is_drifted() {
        lines.push(drift_line(node));
    }
    lines
}

/// The line that marks a drifted node, in both renderings.
pub(crate) fn drift_line(node: &Node) -> String {
    let count = node.drift.len();
    let plural = if count == 1 { "" } else { "s" };
    format!("DRIFTED: up would make {count} change{plural}")
}

fn cut(line: &str) -> String {
    if line.chars().count() <= MAX_LINE_CHARS {
        return line.to_string();
    }
    let kept: String = line.chars().take(MAX_LINE_CHARS - 1).collect();
    format!("{kept}…")
}

/// The size of a node's box.
fn size(node: &Node) -> (f64, f64) {
    let lines = shown_lines(node);
    let longest = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let width = longest as f64 * CHAR_WIDTH + 2.0 * PADDING;
    let height = lines.len() as f64 * LINE_HEIGHT + 2.0 * PADDING - 4.0;
    (width, height)
}

/// Where everything goes: each node's box, and the picture's size.
struct Layout {
    placed: BTreeMap<String, Placed>,
    /// Each node's column.
    column: BTreeMap<String, usize>,
    /// The lowest box's bottom: edges that skip columns pass below it.
    bottom: f64,
    width: f64,
    height: f64,
}

fn label_width(label: &str) -> f64 {
    cut(label).chars().count() as f64 * LABEL_CHAR_WIDTH
}

/// The gap after each column: wide enough for the labels of the edges that cross it.
fn gaps(diagram: &Diagram, column: &BTreeMap<String, usize>, count: usize) -> Vec<f64> {
    let mut gaps = vec![MIN_COLUMN_GAP; count];
    for edge in &diagram.edges {
        if let (Some(&from), Some(&to)) = (column.get(&edge.from), column.get(&edge.to))
            && to == from + 1
        {
            gaps[from] = gaps[from].max(label_width(&edge.label) + 40.0);
        }
    }
    gaps
}

/// Places every node: columns by kind (only kinds present take a column), each column as
/// wide as its widest node, the columns' stacks centred vertically on the tallest.
fn layout(diagram: &Diagram) -> Layout {
    let mut columns: BTreeMap<NodeKind, Vec<&Node>> = BTreeMap::new();
    for node in &diagram.nodes {
        columns.entry(node.kind).or_default().push(node);
    }
    let column: BTreeMap<String, usize> = columns
        .values()
        .enumerate()
        .flat_map(|(index, nodes)| nodes.iter().map(move |n| (n.id.clone(), index)))
        .collect();
    let gaps = gaps(diagram, &column, columns.len());
    let stack_height = |nodes: &[&Node]| {
        let boxes: f64 = nodes.iter().map(|n| size(n).1).sum();
        boxes + ROW_GAP * nodes.len().saturating_sub(1) as f64
    };
    let tallest = columns
        .values()
        .map(|nodes| stack_height(nodes))
        .fold(0.0, f64::max);
    let mut placed = BTreeMap::new();
    let mut x = MARGIN;
    for (index, nodes) in columns.values().enumerate() {
        let width = nodes.iter().map(|n| size(n).0).fold(0.0, f64::max);
        let mut y = MARGIN + TITLE_HEIGHT + (tallest - stack_height(nodes)) / 2.0;
        for node in nodes {
            let (_, height) = size(node);
            let at = Placed {
                x,
                y,
                width,
                height,
            };
            placed.insert(node.id.clone(), at);
            y += height + ROW_GAP;
        }
        x += width + gaps[index];
    }
    let bottom = MARGIN + TITLE_HEIGHT + tallest;
    let detours = diagram.edges.iter().any(|e| skips(&column, e));
    let title_width = diagram.title.chars().count() as f64 * CHAR_WIDTH + 2.0 * MARGIN;
    let width = (x - gaps.last().copied().unwrap_or(0.0) + MARGIN).max(title_width);
    let height = bottom + MARGIN + if detours { DETOUR_DEPTH } else { 0.0 };
    Layout {
        placed,
        column,
        bottom,
        width,
        height,
    }
}

/// Whether an edge goes further than the next column (it is drawn below the boxes).
fn skips(column: &BTreeMap<String, usize>, edge: &Edge) -> bool {
    match (column.get(&edge.from), column.get(&edge.to)) {
        (Some(from), Some(to)) => *to != from + 1,
        _ => false,
    }
}

/// The SVG document.
pub(crate) fn render(diagram: &Diagram) -> String {
    let layout = layout(diagram);
    let (width, height) = (layout.width, layout.height);
    let mut out = String::new();
    // Writing to a String cannot fail; the results are ignored for that reason.
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="monospace" font-size="12">"#
    );
    let _ = writeln!(out, "<title>{}</title>", escape(&diagram.title));
    out.push_str(concat!(
        r#"<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">"#,
        r##"<path d="M 0 0 L 10 5 L 0 10 z" fill="#455a64"/></marker></defs>"##,
        "\n"
    ));
    let _ = writeln!(
        out,
        r##"<rect width="100%" height="100%" fill="#ffffff"/><text x="{MARGIN}" y="{:.0}" font-size="14" font-weight="bold" fill="#263238">{}</text>"##,
        MARGIN + 14.0,
        escape(&diagram.title)
    );
    for (index, edge) in diagram.edges.iter().enumerate() {
        if let (Some(from), Some(to)) = (layout.placed.get(&edge.from), layout.placed.get(&edge.to))
        {
            let below = skips(&layout.column, edge).then_some(layout.bottom);
            write_edge(&mut out, (index, edge), (*from, *to), below);
        }
    }
    for node in &diagram.nodes {
        if let Some(at) = layout.placed.get(&node.id) {
            write_node(&mut out, node, *at);
        }
    }
    out.push_str("</svg>\n");
    out
}

fn fill(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Clients => "#eceff1",
        NodeKind::Domain => "#e8f5e9",
        NodeKind::Gateway | NodeKind::Route => "#e3f2fd",
        NodeKind::VpcLink => "#f3e5f5",
        NodeKind::LoadBalancer => "#fff3e0",
        NodeKind::CortexApi => "#fffde7",
    }
}

fn write_node(out: &mut String, node: &Node, at: Placed) {
    let drifted = node.is_drifted();
    let (stroke, stroke_width, dash) = if drifted {
        (DRIFT_COLOUR, 3, r#" stroke-dasharray="6 3""#)
    } else {
        ("#546e7a", 1, "")
    };
    let _ = writeln!(
        out,
        r#"<g class="node{}" id="node-{}" data-kind="{}" data-drifted="{drifted}">"#,
        if drifted { " drifted" } else { "" },
        node.id,
        node.kind.as_str()
    );
    let mut tooltip = node.lines.join("\n");
    for change in &node.drift {
        tooltip.push('\n');
        tooltip.push_str(change);
    }
    let _ = writeln!(out, "<title>{}</title>", escape(&tooltip));
    let _ = writeln!(
        out,
        r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" rx="6" fill="{}" stroke="{stroke}" stroke-width="{stroke_width}"{dash}/>"#,
        at.x,
        at.y,
        at.width,
        at.height,
        fill(node.kind)
    );
    for (row, line) in shown_lines(node).iter().enumerate() {
        let is_drift_line = drifted && row == node.lines.len();
        let style = match (row, is_drift_line) {
            (_, true) => format!(r#" fill="{DRIFT_COLOUR}" font-weight="bold""#),
            (0, false) => r##" fill="#263238" font-weight="bold""##.to_string(),
            _ => r##" fill="#37474f""##.to_string(),
        };
        let _ = writeln!(
            out,
            r#"<text x="{:.1}" y="{:.1}"{style}>{}</text>"#,
            at.x + PADDING,
            at.y + PADDING + 8.0 + row as f64 * LINE_HEIGHT,
            escape(line)
        );
    }
    out.push_str("</g>\n");
}

/// An edge: a curve from the source's right side to the target's left side, or, when it skips
/// columns (`below`: the lowest box's bottom), a curve beneath the boxes from bottom to bottom.
/// Its label sits at the curve's middle.
fn write_edge(
    out: &mut String,
    (index, edge): (usize, &Edge),
    (from, to): (Placed, Placed),
    below: Option<f64>,
) {
    let (start, control_1, control_2, end) = match below {
        Some(bottom) => {
            let low = bottom + DETOUR_DEPTH;
            let (x1, y1) = (from.x + from.width / 2.0, from.y + from.height);
            let (x2, y2) = (to.x + to.width / 2.0, to.y + to.height);
            ((x1, y1), (x1, low), (x2, low), (x2, y2))
        }
        None => {
            let (x1, y1) = (from.x + from.width, from.y + from.height / 2.0);
            let (x2, y2) = (to.x, to.y + to.height / 2.0);
            let bend = ((x2 - x1) / 2.0).max(30.0);
            ((x1, y1), (x1 + bend, y1), (x2 - bend, y2), (x2, y2))
        }
    };
    let _ = writeln!(
        out,
        r#"<g class="edge" id="edge-{}" data-from="{}" data-to="{}">"#,
        index + 1,
        edge.from,
        edge.to
    );
    let _ = writeln!(
        out,
        r##"<path d="M {:.1} {:.1} C {:.1} {:.1}, {:.1} {:.1}, {:.1} {:.1}" fill="none" stroke="#455a64" stroke-width="1.5" marker-end="url(#arrow)"/>"##,
        start.0, start.1, control_1.0, control_1.1, control_2.0, control_2.1, end.0, end.1
    );
    if !edge.label.is_empty() {
        // The point of the cubic curve at t = 1/2.
        let middle = |a: f64, b: f64, c: f64, d: f64| (a + 3.0 * b + 3.0 * c + d) / 8.0;
        let lx = middle(start.0, control_1.0, control_2.0, end.0);
        let ly = middle(start.1, control_1.1, control_2.1, end.1) - 4.0;
        let _ = writeln!(
            out,
            r##"<text x="{lx:.1}" y="{ly:.1}" text-anchor="middle" font-size="10" fill="#37474f" stroke="#ffffff" stroke-width="3" paint-order="stroke">{}</text>"##,
            escape(&cut(&edge.label))
        );
    }
    out.push_str("</g>\n");
}

/// Text as XML character data or attribute value: markup characters as entities, and control
/// characters (which XML 1.0 forbids) as `\u{..}`, so no label can end an element or break the
/// document.
pub(crate) fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            '\n' | '\t' => escaped.push(c),
            c if c.is_control() => {
                let _ = write!(escaped, "\\u{{{:x}}}", u32::from(c));
            }
            c => escaped.push(c),
        }
    }
    escaped
}
