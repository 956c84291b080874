//! Just enough BER to read and write the small control values the connectors need: single-byte
//! tags, definite lengths, integers. Anything else is refused (`None`), never guessed.

/// Reads consecutive tag-length-value elements from a byte slice.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The next element's tag and content; `None` when truncated or malformed.
    pub(crate) fn next(&mut self) -> Option<(u8, &'a [u8])> {
        let (&tag, after_tag) = self.rest.split_first()?;
        if tag & 0x1F == 0x1F {
            return None; // multi-byte tags: not used by anything we read
        }
        let (&first, mut after_len) = after_tag.split_first()?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let octets = usize::from(first & 0x7F);
            if octets == 0 || octets > 4 {
                return None; // indefinite or absurd length
            }
            let (len_bytes, rest) = after_len.split_at_checked(octets)?;
            after_len = rest;
            len_bytes
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b))
        };
        let (content, rest) = after_len.split_at_checked(len)?;
        self.rest = rest;
        Some((tag, content))
    }
}

/// A two's-complement big-endian integer of at most 8 bytes.
pub(crate) fn integer(content: &[u8]) -> Option<i64> {
    if content.is_empty() || content.len() > 8 {
        return None;
    }
    let negative = content.first().is_some_and(|b| b & 0x80 != 0);
    let start: i64 = if negative { -1 } else { 0 };
    Some(
        content
            .iter()
            .fold(start, |acc, b| (acc << 8) | i64::from(*b)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_short_and_long_lengths() {
        let mut r = Reader::new(&[0x04, 0x02, b'h', b'i', 0x04, 0x81, 0x01, b'x']);
        assert_eq!(r.next(), Some((0x04, &b"hi"[..])));
        assert_eq!(r.next(), Some((0x04, &b"x"[..])));
        assert!(r.is_empty());
        assert_eq!(Reader::new(&[0x04, 0x05, 1]).next(), None);
        assert_eq!(Reader::new(&[0x04, 0x80]).next(), None);
        assert_eq!(Reader::new(&[0x1F, 0x01, 0x00]).next(), None);
    }

    #[test]
    fn integers_are_signed() {
        assert_eq!(integer(&[0x08]), Some(8));
        assert_eq!(integer(&[0x01, 0x00]), Some(256));
        assert_eq!(integer(&[0xFF]), Some(-1));
        assert_eq!(integer(&[]), None);
        assert_eq!(integer(&[0; 9]), None);
    }
}
