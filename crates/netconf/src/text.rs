//! Showing input safely.
//!
//! Every value that came from a file, a variable or a flag is shown escaped (control
//! characters, newlines, ANSI escapes, invisible and bidirectional-override characters as
//! `\n`, `\x1b`, `\u{202e}`, ...) and cut to a readable length, so that no value can forge an
//! output line, colour a terminal, or flood it.

/// How many characters of a value are shown before it is cut.
pub const SHOWN_CHARS: usize = 60;

/// Longest message or fix kept (they embed values that are already cut; this is a backstop).
pub(crate) const TEXT_CHARS: usize = 600;

/// Longest field path or source label kept.
pub(crate) const LABEL_CHARS: usize = 160;

/// True for characters that are written as an escape: controls (C0, DEL, C1), line and
/// paragraph separators, zero-width characters, bidirectional controls and the BOM.
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{2069}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
        )
}

/// `text` with every character that could change how output looks written as an escape.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            c if needs_escape(c) && (c as u32) < 0x80 => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if needs_escape(c) => out.push_str(&format!("\\u{{{:04x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// `text` escaped and cut to `max` characters, the cut marked with the full size:
/// `aaaa…(52428800 bytes)`.
pub fn cut(text: &str, max: usize) -> String {
    // Escaping a huge value would cost memory for nothing: escape only what is shown.
    let mut shown = String::new();
    let mut count = 0usize;
    for c in text.chars() {
        let piece = escape(c.encode_utf8(&mut [0u8; 4]));
        let len = piece.chars().count();
        if count + len > max {
            shown.push_str(&format!("…({} bytes)", text.len()));
            return shown;
        }
        count += len;
        shown.push_str(&piece);
    }
    shown
}

/// A value from input, ready to show: escaped and cut to [`SHOWN_CHARS`].
pub fn shown(text: &str) -> String {
    cut(text, SHOWN_CHARS)
}

/// True when `text` can be shown as it is (nothing to escape, short enough): only such
/// values are echoed inside suggested fixes, so that a fix is always something to type.
pub(crate) fn plain(text: &str) -> bool {
    text.chars().count() <= SHOWN_CHARS && !text.chars().any(needs_escape)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_escaped() {
        assert_eq!(escape("a\nb"), "a\\nb");
        assert_eq!(escape("\x1b[31mred\x1b[0m"), "\\x1b[31mred\\x1b[0m");
        assert_eq!(escape("tab\there\r"), "tab\\there\\r");
        assert_eq!(escape("\u{202e}abc"), "\\u{202e}abc");
        assert_eq!(escape("\u{85}"), "\\u{0085}");
        assert_eq!(escape("\x7f\0"), "\\x7f\\0");
        assert_eq!(escape("plain `text` é"), "plain `text` é");
    }

    #[test]
    fn long_values_are_cut_with_their_size() {
        let big = "a".repeat(50 * 1024 * 1024);
        let s = shown(&big);
        assert_eq!(s, format!("{}…(52428800 bytes)", "a".repeat(60)));
        assert_eq!(shown("short"), "short");
        let s = shown(&"\n".repeat(100));
        assert!(
            s.starts_with("\\n\\n") && s.ends_with("…(100 bytes)"),
            "{s}"
        );
        assert!(s.chars().count() < 80);
        assert!(plain("us-east-1"));
        assert!(!plain("a\nb"));
        assert!(!plain(&"a".repeat(61)));
    }
}
