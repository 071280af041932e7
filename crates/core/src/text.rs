//! Free text typed by people (names, delivery notes): one rule for what is kept.

/// `text` trimmed, if it has 1 to `max` characters and no control characters (which would
/// garble a receipt or a log line); `None` otherwise.
pub fn clean_line(text: &str, max: usize) -> Option<&str> {
    let text = text.trim();
    let len = text.chars().count();
    (len > 0 && len <= max && !text.chars().any(char::is_control)).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_trimmed_bounded_and_printable() {
        assert_eq!(clean_line("  Ni Made Ayu ", 20), Some("Ni Made Ayu"));
        assert_eq!(clean_line("Ayu", 3), Some("Ayu"));
        assert_eq!(clean_line("Ayuu", 3), None);
        assert_eq!(clean_line("   ", 3), None);
        assert_eq!(clean_line("A\nB", 3), None);
        // Characters, not bytes: an accented name is as long as it looks.
        assert_eq!(clean_line("Désa", 4), Some("Désa"));
    }
}
