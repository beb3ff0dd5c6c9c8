//! Where two versions of a file first differ, said so a person can find it:
//! the line and column with both versions of the line for text, the byte
//! offset for anything else (`drsim verify`).

/// Where two files first differ: the line (1-based) with both versions for
/// text, the byte offset otherwise; `None` when identical.
pub fn first_difference(original: &[u8], remade: &[u8]) -> Option<String> {
    if original == remade {
        return None;
    }
    let offset = original
        .iter()
        .zip(remade)
        .position(|(a, b)| a != b)
        .unwrap_or(original.len().min(remade.len()));
    match (std::str::from_utf8(original), std::str::from_utf8(remade)) {
        (Ok(a), Ok(b)) => {
            let before = &a.as_bytes()[..offset];
            let line = before.iter().filter(|&&c| c == b'\n').count() + 1;
            let line_start = before
                .iter()
                .rposition(|&c| c == b'\n')
                .map_or(0, |p| p + 1);
            // Show the lines around the first differing character.
            let from = offset.saturating_sub(line_start).saturating_sub(60);
            let show = |text: &str| {
                let l = text.lines().nth(line - 1).unwrap_or("(end of file)");
                let chars: Vec<char> = l.chars().collect();
                let start = from.min(chars.len());
                let end = (start + 120).min(chars.len());
                let mut shown: String = chars[start..end].iter().collect();
                if start > 0 {
                    shown.insert_str(0, "...");
                }
                if end < chars.len() {
                    shown.push_str("...");
                }
                shown
            };
            Some(format!(
                "differs at line {line}, column {}: the file has `{}`, the re-made run `{}`",
                offset - line_start + 1,
                show(a),
                show(b)
            ))
        }
        _ => Some(format!(
            "differs at byte {offset} ({} bytes in the file, {} re-made)",
            original.len(),
            remade.len()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_difference_is_named_by_line_or_byte() {
        assert_eq!(first_difference(b"a\nb\n", b"a\nb\n"), None);
        assert_eq!(
            first_difference(b"k,rpo\n0,12\n1,7\n", b"k,rpo\n0,12\n1,8\n").unwrap(),
            "differs at line 3, column 3: the file has `1,7`, the re-made run `1,8`"
        );
        assert_eq!(
            first_difference(b"a\n", b"a\nb\n").unwrap(),
            "differs at line 2, column 1: the file has `(end of file)`, the re-made run `b`"
        );
        assert_eq!(
            first_difference(&[0x89, 0xff, 1], &[0x89, 0xff, 2]).unwrap(),
            "differs at byte 2 (3 bytes in the file, 3 re-made)"
        );
    }
}
