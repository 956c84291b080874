//! Just enough BER to see LDAP message boundaries and tell write requests apart, and to build
//! the one response the proxy ever writes itself (a refusal).
//!
//! An LDAPMessage is a SEQUENCE of a message id (INTEGER) and a protocol op with an APPLICATION
//! tag; lengths may be long-form. Anything that does not parse is passed through untouched.

use super::Op;

pub(super) const SEQUENCE: u8 = 0x30;
pub(super) const INTEGER: u8 = 0x02;
pub(super) const ENUMERATED: u8 = 0x0a;
pub(super) const OCTET_STRING: u8 = 0x04;
pub(super) const MODIFY_REQUEST: u8 = 0x66;
pub(super) const MODIFY_RESPONSE: u8 = 0x67;
pub(super) const EXTENDED_REQUEST: u8 = 0x77;
pub(super) const EXTENDED_RESPONSE: u8 = 0x78;
/// `requestName [0] LDAPOID` inside an ExtendedRequest.
pub(super) const REQUEST_NAME: u8 = 0x80;
/// RFC 3062, the Password Modify extended operation.
pub(super) const PASSWORD_MODIFY_OID: &[u8] = b"1.3.6.1.4.1.4203.1.11.1";
pub(super) const CONSTRAINT_VIOLATION: u8 = 19;

/// What a [`Framer`] cut from the stream.
pub(super) enum Piece {
    /// One whole `LDAPMessage`.
    Message(Vec<u8>),
    /// Bytes that are not LDAP, forwarded as they are.
    Raw(Vec<u8>),
}

impl Piece {
    pub(super) fn bytes(&self) -> &[u8] {
        match self {
            Piece::Message(bytes) | Piece::Raw(bytes) => bytes,
        }
    }
}

/// Cuts a byte stream into LDAP messages; once it sees something else, it stops parsing.
#[derive(Default)]
pub(super) struct Framer {
    pub(super) buf: Vec<u8>,
    pub(super) raw: bool,
}

impl Framer {
    pub(super) fn next_piece(&mut self) -> Option<Piece> {
        if !self.raw {
            match header(&self.buf) {
                Header::Incomplete => return None,
                Header::Element {
                    tag: SEQUENCE, len, ..
                } => {
                    return (self.buf.len() >= len)
                        .then(|| Piece::Message(self.buf.drain(..len).collect()));
                }
                Header::Element { .. } | Header::Invalid => self.raw = true,
            }
        }
        (!self.buf.is_empty()).then(|| Piece::Raw(std::mem::take(&mut self.buf)))
    }
}

/// The start of a BER element.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Header {
    Incomplete,
    /// A header LDAP cannot send: high tag number, indefinite or over-long length.
    Invalid,
    /// The content starts at `start`; `len` is the whole element, header included.
    Element {
        tag: u8,
        start: usize,
        len: usize,
    },
}

pub(super) fn header(buf: &[u8]) -> Header {
    let (Some(&tag), Some(&first)) = (buf.first(), buf.get(1)) else {
        return Header::Incomplete;
    };
    if tag & 0x1f == 0x1f {
        return Header::Invalid;
    }
    if first < 0x80 {
        let len = 2 + usize::from(first);
        return Header::Element { tag, start: 2, len };
    }
    // Long form: the low bits count the length bytes. 0 would be the indefinite form, which
    // LDAP forbids; more than 4 (a 4 GiB message) is not something a test will send.
    let count = usize::from(first & 0x7f);
    if count == 0 || count > 4 {
        return Header::Invalid;
    }
    let Some(bytes) = buf.get(2..2 + count) else {
        return Header::Incomplete;
    };
    let content = bytes.iter().fold(0_usize, |n, b| n << 8 | usize::from(*b));
    Header::Element {
        tag,
        start: 2 + count,
        len: (2 + count).saturating_add(content),
    }
}

/// Splits the element at the start of `buf` into its tag, its content and what follows.
pub(super) fn element(buf: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let Header::Element { tag, start, len } = header(buf) else {
        return None;
    };
    Some((tag, buf.get(start..len)?, buf.get(len..)?))
}

/// The parts of an `LDAPMessage` the proxy looks at.
pub(super) struct Message<'a> {
    pub(super) id: i64,
    /// The messageID element as received, copied into a refusal.
    pub(super) id_tlv: &'a [u8],
    pub(super) op_tag: u8,
    pub(super) op: &'a [u8],
}

impl<'a> Message<'a> {
    pub(super) fn parse(bytes: &'a [u8]) -> Option<Self> {
        let (SEQUENCE, body, _) = element(bytes)? else {
            return None;
        };
        let (INTEGER, id, rest) = element(body)? else {
            return None;
        };
        let sign: i64 = if id.first()? & 0x80 == 0 { 0 } else { -1 };
        if id.len() > 8 {
            return None;
        }
        let id = id.iter().fold(sign, |n, b| n << 8 | i64::from(*b));
        let (op_tag, op, _) = element(rest)?;
        let id_tlv = body.get(..body.len() - rest.len())?;
        Some(Self {
            id,
            id_tlv,
            op_tag,
            op,
        })
    }

    pub(super) fn write(&self) -> Option<Op> {
        match self.op_tag {
            MODIFY_REQUEST => Some(Op::Modify),
            EXTENDED_REQUEST => match element(self.op)? {
                (REQUEST_NAME, PASSWORD_MODIFY_OID, _) => Some(Op::PasswordModify),
                _ => None,
            },
            _ => None,
        }
    }
}

pub(super) fn push_element(out: &mut Vec<u8>, tag: u8, content: &[u8]) {
    out.push(tag);
    match u8::try_from(content.len()) {
        Ok(short) if short < 0x80 => out.push(short),
        _ => {
            let be = content.len().to_be_bytes();
            let significant: Vec<u8> = be.iter().copied().skip_while(|b| *b == 0).collect();
            out.push(0x80 | u8::try_from(significant.len()).unwrap_or(0));
            out.extend_from_slice(&significant);
        }
    }
    out.extend_from_slice(content);
}

/// An LDAPResult with constraintViolation, matchedDN "" and `diagnostic`, as the response
/// `response_tag` to the message whose messageID element is `id_tlv`.
pub(super) fn refusal(id_tlv: &[u8], response_tag: u8, diagnostic: &str) -> Vec<u8> {
    let mut result = Vec::new();
    push_element(&mut result, ENUMERATED, &[CONSTRAINT_VIOLATION]);
    push_element(&mut result, OCTET_STRING, b"");
    push_element(&mut result, OCTET_STRING, diagnostic.as_bytes());
    let mut body = id_tlv.to_vec();
    push_element(&mut body, response_tag, &result);
    let mut message = Vec::new();
    push_element(&mut message, SEQUENCE, &body);
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn request(id: &[u8], op_tag: u8, op: &[u8]) -> Vec<u8> {
        let mut body = Vec::new();
        push_element(&mut body, INTEGER, id);
        push_element(&mut body, op_tag, op);
        let mut message = Vec::new();
        push_element(&mut message, SEQUENCE, &body);
        message
    }

    #[test]
    pub(super) fn long_form_messages_are_framed_byte_by_byte_and_parsed_back() {
        let refused = refusal(
            &[INTEGER, 2, 0x01, 0x00],
            EXTENDED_RESPONSE,
            &"x".repeat(300),
        );
        assert_eq!(refused.get(..2), Some(&[SEQUENCE, 0x82][..]));
        let mut framer = Framer::default();
        let mut pieces = Vec::new();
        for byte in refused.iter().chain(&refused) {
            framer.buf.push(*byte);
            pieces.extend(std::iter::from_fn(|| framer.next_piece()));
        }
        assert_eq!(pieces.len(), 2);
        for piece in &pieces {
            assert!(matches!(piece, Piece::Message(bytes) if *bytes == refused));
            let parsed = Message::parse(piece.bytes());
            assert!(matches!(
                parsed,
                Some(Message {
                    id: 256,
                    op_tag: EXTENDED_RESPONSE,
                    ..
                })
            ));
        }
    }

    #[test]
    pub(super) fn only_password_modify_and_modify_requests_are_writes() {
        let mut exop = Vec::new();
        push_element(&mut exop, REQUEST_NAME, PASSWORD_MODIFY_OID);
        let mut who_am_i = Vec::new();
        push_element(&mut who_am_i, REQUEST_NAME, b"1.3.6.1.4.1.4203.1.11.3");
        let kind = |bytes: &[u8]| Message::parse(bytes).and_then(|m| m.write());
        assert_eq!(
            kind(&request(&[7], EXTENDED_REQUEST, &exop)),
            Some(Op::PasswordModify)
        );
        assert_eq!(kind(&request(&[7], EXTENDED_REQUEST, &who_am_i)), None);
        assert_eq!(kind(&request(&[7], MODIFY_REQUEST, b"")), Some(Op::Modify));
        assert_eq!(kind(&request(&[7], 0x60, b"")), None, "a BindRequest");
    }

    #[test]
    pub(super) fn a_stream_that_is_not_ldap_is_passed_through_unparsed() {
        // A TLS record after StartTLS, and an indefinite length (forbidden in LDAP).
        for bytes in [&[0x16, 0x03, 0x01, 0x02, 0x00][..], &[SEQUENCE, 0x80, 0x02]] {
            let mut framer = Framer::default();
            framer.buf.extend_from_slice(bytes);
            assert!(matches!(framer.next_piece(), Some(Piece::Raw(raw)) if raw == bytes));
            assert!(framer.next_piece().is_none());
        }
    }
}
