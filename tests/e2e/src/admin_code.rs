//! Finding the first-run admin code in what the server prints.
//!
//! The code is four groups of four characters from `0-9A-Z`, joined by `-`
//! (`7K2M-Q9XP-3RTW-H4ND`). A log line may colour it, quote it or put it after `=`, so the
//! scan accepts any neighbour that could not be part of a longer token; that keeps parts of
//! UUIDs, dates and longer codes from passing for one.

/// The admin code in `line`, if it holds one.
pub fn find(line: &str) -> Option<&str> {
    const LEN: usize = 4 * 4 + 3;
    let bytes = line.as_bytes();
    (0..bytes.len().saturating_sub(LEN - 1))
        .find(|&start| {
            let end = start + LEN;
            is_code(&bytes[start..end])
                && (start == 0 || !is_token_byte(bytes[start - 1]))
                && (end == bytes.len() || !is_token_byte(bytes[end]))
        })
        .map(|start| &line[start..start + LEN])
}

fn is_code(candidate: &[u8]) -> bool {
    candidate.iter().enumerate().all(|(i, &b)| {
        if i % 5 == 4 {
            b == b'-'
        } else {
            b.is_ascii_digit() || b.is_ascii_uppercase()
        }
    })
}

/// A byte that would make the match part of a longer token.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

#[cfg(test)]
mod tests {
    use super::find;

    fn check(line: &str, expected: Option<&str>) {
        assert_eq!(find(line), expected, "{line:?}");
    }

    #[test]
    fn finds_the_code_however_the_line_dresses_it() {
        check("ABCD-EFGH-2345-6789", Some("ABCD-EFGH-2345-6789"));
        check(
            "Admin code: 7K2M-Q9XP-3RTW-H4ND (shown once)",
            Some("7K2M-Q9XP-3RTW-H4ND"),
        );
        check(
            "2026-11-24T15:30:00Z  INFO loket_server: first run code=0000-1111-2222-ZZZZ",
            Some("0000-1111-2222-ZZZZ"),
        );
        check(
            "\u{1b}[3mcode\u{1b}[0m\u{1b}[2m=\u{1b}[0m\"AB12-CD34-EF56-GH78\"\u{1b}[0m",
            Some("AB12-CD34-EF56-GH78"),
        );
        check("é 9999-AAAA-BBBB-CCCC é", Some("9999-AAAA-BBBB-CCCC"));
    }

    #[test]
    fn ignores_what_only_looks_like_one() {
        check("", None);
        check("listening on 127.0.0.1:8080", None);
        check("abcd-efgh-2345-6789", None);
        check("ABCD-EFGH-2345", None);
        check("ABCD-EFGH-2345-678", None);
        check("ABCD-EFGH-2345-67890", None);
        check("XABCD-EFGH-2345-6789", None);
        check("ABCD-EFGH-2345-6789-WXYZ", None);
        check("2026-11-24 15:30:00", None);
        // The last three groups of a UUID whose hex happens to be all digits.
        check("op 01930000-1234-7000-8000-000000000001 pushed", None);
        check("ABCD_EFGH_2345_6789", None);
    }
}
