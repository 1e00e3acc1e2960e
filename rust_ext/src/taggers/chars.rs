//! Python's character classes (`str.isspace`, `str.isalpha`, the `regex` package's `\w` and `\s`).

use super::unicode_tables::{PY_ISALPHA, PY_ISSPACE, REGEX_SPACE, REGEX_WORD};

fn in_table(table: &[(u32, u32)], c: char) -> bool {
    let cp = c as u32;
    table
        .binary_search_by(|&(lo, hi)| {
            if hi < cp {
                std::cmp::Ordering::Less
            } else if lo > cp {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// Python `str.isspace()` for one character (includes U+001C..U+001F, unlike `char::is_whitespace`).
#[inline]
pub fn py_isspace(c: char) -> bool {
    if c.is_ascii() {
        matches!(c, '\t'..='\r' | '\x1c'..='\x20')
    } else {
        in_table(&PY_ISSPACE, c)
    }
}

/// Python `str.isalpha()` for one character (Unicode categories L*, unlike `char::is_alphabetic`).
#[inline]
pub fn py_isalpha(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else {
        in_table(&PY_ISALPHA, c)
    }
}

/// `\w` of the `regex` package (Unicode word characters, including combining marks).
#[inline]
pub fn regex_word(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric() || c == '_'
    } else {
        in_table(&REGEX_WORD, c)
    }
}

/// `\s` of the `regex` package (Unicode White_Space).
#[inline]
pub fn regex_space(c: char) -> bool {
    if c.is_ascii() {
        matches!(c, '\t'..='\r' | ' ')
    } else {
        in_table(&REGEX_SPACE, c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_space_differs_from_rust() {
        assert!(py_isspace('\x1f'));
        assert!(!'\x1f'.is_whitespace());
        assert!(py_isspace('\u{3000}'));
        assert!(!py_isspace('\u{200b}'));
        assert!(!regex_space('\x1c'));
    }

    #[test]
    fn alpha_excludes_marks_and_digits() {
        assert!(py_isalpha('é'));
        assert!(py_isalpha('中'));
        assert!(!py_isalpha('\u{301}')); // combining acute accent: Mn, not a letter for Python
        assert!(regex_word('\u{301}')); // but a word character for `regex`
        assert!(!py_isalpha('7'));
        assert!(!py_isalpha('😀'));
    }

    #[test]
    fn ascii_fast_paths_agree_with_tables() {
        for b in 0u8..128 {
            let c = b as char;
            assert_eq!(py_isspace(c), in_table(&PY_ISSPACE, c), "{b}");
            assert_eq!(py_isalpha(c), in_table(&PY_ISALPHA, c), "{b}");
            assert_eq!(regex_word(c), in_table(&REGEX_WORD, c), "{b}");
            assert_eq!(regex_space(c), in_table(&REGEX_SPACE, c), "{b}");
        }
    }
}
