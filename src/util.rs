//! Small helpers that every layer uses and that belong to no concept of their own: lengths
//! as `u64` for reports, and excerpts of untrusted text for messages.

/// The most bytes of untrusted text (a dtype descriptor, a layout) an error message quotes.
/// Enough for every valid descriptor; a hostile one cannot make a message large.
pub(crate) const EXCERPT_LEN: usize = 200;

/// Turns a Rust length into a `u64` for error reports and offsets.
///
/// `usize` is at most 64 bits on every platform Rust supports, so this never saturates there;
/// the saturation only keeps the conversion total.
#[inline]
pub(crate) fn to_u64(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// Shortens untrusted text for an error message: at most `max` bytes, cut on a char boundary.
pub(crate) fn excerpt(text: &str, max: usize) -> Box<str> {
    if text.len() <= max {
        return text.into();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &text[..end]).into_boxed_str()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_cuts_on_char_boundary() {
        assert_eq!(&*excerpt("ab\u{e9}cd", 3), "ab...");
        assert_eq!(&*excerpt("abc", 3), "abc");
    }
}
