//! The fast path of [`BatchEncoder::push_json`](super::BatchEncoder::push_json): a hand-written,
//! schema-driven reader for the records that make up nearly all real input (valid JSON whose
//! declared fields are present and well typed), writing the layout directly, with none of
//! serde's visitor calls, key strings or error paths.
//!
//! It never reports an error. At the first thing it does not take (a syntax error, a mistyped,
//! missing or duplicate field, a surrogate escape that is not half of a pair, a number the JSON
//! reader would not take as an int, a map whose keys are not in increasing order, nesting
//! deeper than [`MAX_NESTING`], a record of more than 64 fields) it gives up, the caller
//! restores the batch, and the serde reader reads the record again from its start and accepts
//! it or gives the error and path. So every error is the serde reader's by construction, and
//! the one property this reader must have is that whatever it accepts, the serde reader accepts
//! with the same bytes in both areas (the tests compare the two on valid, mutated, generated
//! and JSONTestSuite input).
//!
//! Keys the schema does not declare are validated and skipped without being decoded: strings
//! are scanned eight bytes at a time for a quote, a backslash or a control byte, escapes are
//! checked, numbers are checked against the JSON grammar, and nested values are skipped the
//! same way. Declared keys are found with one hash probe per key ([`Keys`]).

use super::variants::same;
use super::Enc;
use crate::abi::{Shape, ENTRY_VALUE_OFFSET};
use crate::json::{self, MAX_JSON_DEPTH, MAX_LIST_ITEMS, MAX_STRING_BYTES};
use crate::schema::{Schema, Ty};

/// Objects and lists this reader follows inside each other, declared or skipped, before it
/// leaves the record to the serde reader; below both that reader's limit on declared values
/// ([`MAX_JSON_DEPTH`]) and serde_json's recursion limit (128).
const MAX_NESTING: usize = MAX_JSON_DEPTH - 4;

/// For each record of a schema, a table from a JSON key to the field it names.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Keys {
    /// Indexed like [`Schema::records`]; `None` for a record of more than 64 fields, which only
    /// the serde reader reads.
    records: Vec<Option<KeyTable>>,
}

/// Open addressing over a record's field names.
#[derive(Debug, Clone, PartialEq, Eq)]
struct KeyTable {
    /// `0` for an empty slot, else one more than the field's index.
    slots: Vec<u8>,
    /// The number of slots less one (a power of two less one).
    mask: usize,
    /// One bit per field that must be present (a field that is not optional).
    required: u64,
    /// Each field's key as it is written without escapes, quotes and colon included
    /// (`"name":`), to recognise the key the declaration order predicts without reading it;
    /// empty for a name that JSON would escape.
    written: Vec<Vec<u8>>,
}

impl Keys {
    /// The key tables of `schema`'s records.
    pub(crate) fn of(schema: &Schema) -> Keys {
        let records = schema
            .records
            .iter()
            .map(|record| {
                if record.fields.len() > 64 {
                    return None;
                }
                let size = (record.fields.len() * 4).next_power_of_two().max(8);
                let written = record
                    .fields
                    .iter()
                    .map(|f| {
                        let plain = f.name.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\');
                        if plain {
                            [b"\"", f.name.as_bytes(), b"\":"].concat()
                        } else {
                            Vec::new()
                        }
                    })
                    .collect();
                let mut table = KeyTable { slots: vec![0; size], mask: size - 1, required: 0, written };
                for (i, field) in record.fields.iter().enumerate() {
                    let mut at = hash(field.name.as_bytes()) & table.mask;
                    while table.slots.get(at).is_some_and(|&s| s != 0) {
                        at = (at + 1) & table.mask;
                    }
                    if let Some(slot) = table.slots.get_mut(at) {
                        *slot = i as u8 + 1;
                    }
                    if !matches!(field.ty, Ty::Optional(_)) {
                        table.required |= 1 << i;
                    }
                }
                Some(table)
            })
            .collect();
        Keys { records }
    }
}

/// A cheap hash of a key: its length and three of its bytes.
fn hash(key: &[u8]) -> usize {
    let n = key.len();
    let byte = |i: usize| usize::from(key.get(i).copied().unwrap_or(0));
    n.wrapping_mul(0x9E37_79B9)
        ^ byte(0).wrapping_mul(0x85EB_CA6B)
        ^ byte(n / 2).wrapping_mul(0xC2B2_AE35)
        ^ byte(n.wrapping_sub(1))
}

/// Reads `text`, one JSON object of the input type, into `enc`'s stage (the fixed part at 0)
/// and variable area. `None` when the serde reader must read it instead; the caller then
/// restores the stage and the variable area.
pub(super) fn record_text(enc: &mut Enc<'_>, text: &str) -> Option<()> {
    let shape = enc.shape;
    let mut reader = Reader { text, at: 0, buf: String::new() };
    reader.ws();
    reader.record(enc, shape, shape.schema().input, 0, 0)?;
    reader.ws();
    (reader.at == text.len()).then_some(())
}

/// A position in one line of JSON text.
struct Reader<'t> {
    text: &'t str,
    at: usize,
    /// The text of the last string read that had escapes.
    buf: String,
}

/// Where the text of a string is: in the line between two positions, or (decoded from
/// escapes) in the reader's buffer.
#[derive(Clone, Copy)]
enum Str {
    Span(usize, usize),
    Buf,
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The bytes of `word` (little-endian) that are a quote, a backslash or below 0x20, each as its
/// high bit; exact up to and including the lowest one, which is all the callers use.
fn specials(word: u64) -> u64 {
    let zero_at = |x: u64| x.wrapping_sub(ONES) & !x;
    let quote = zero_at(word ^ (ONES * u64::from(b'"')));
    let backslash = zero_at(word ^ (ONES * u64::from(b'\\')));
    let control = word.wrapping_sub(ONES * 0x20) & !word;
    (quote | backslash | control) & HIGHS
}

impl<'t> Reader<'t> {
    fn bytes(&self) -> &'t [u8] {
        self.text.as_bytes()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes().get(self.at).copied()
    }

    /// Skips JSON whitespace.
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    fn literal(&mut self, word: &str) -> Option<()> {
        let end = self.at.checked_add(word.len())?;
        (self.bytes().get(self.at..end)? == word.as_bytes()).then(|| self.at = end)
    }

    /// Moves to the first quote, backslash or control byte from here, and gives it.
    fn seek_special(&mut self) -> Option<u8> {
        let bytes = self.bytes();
        while let Some(chunk) = bytes.get(self.at..self.at + 8) {
            let word = u64::from_le_bytes(chunk.try_into().ok()?);
            let found = specials(word);
            if found != 0 {
                self.at += (found.trailing_zeros() / 8) as usize;
                return bytes.get(self.at).copied();
            }
            self.at += 8;
        }
        while let Some(&b) = bytes.get(self.at) {
            if b == b'"' || b == b'\\' || b < 0x20 {
                return Some(b);
            }
            self.at += 1;
        }
        None
    }

    /// Reads a string from its opening quote: where its text is, to be read with [`Self::text_of`].
    /// A string with escapes is decoded into the reader's buffer, as serde_json decodes it;
    /// a surrogate that is not half of a pair is left to the serde reader.
    fn string(&mut self) -> Option<Str> {
        self.eat(b'"')?;
        let start = self.at;
        if self.seek_special()? == b'"' {
            self.at += 1;
            return Some(Str::Span(start, self.at - 1));
        }
        self.buf.clear();
        self.buf.push_str(self.text.get(start..self.at)?);
        loop {
            match *self.bytes().get(self.at)? {
                b'"' => {
                    self.at += 1;
                    return Some(Str::Buf);
                }
                b'\\' => {
                    let escape = *self.bytes().get(self.at + 1)?;
                    self.at += 2;
                    let c = match escape {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let unit = self.hex4()?;
                            let code = match unit {
                                0xD800..=0xDBFF => {
                                    self.literal("\\u")?;
                                    let low = self.hex4()?;
                                    if !(0xDC00..=0xDFFF).contains(&low) {
                                        return None;
                                    }
                                    0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                                }
                                0xDC00..=0xDFFF => return None,
                                _ => unit,
                            };
                            char::from_u32(code)?
                        }
                        _ => return None,
                    };
                    self.buf.push(c);
                }
                _ => return None,
            }
            let run = self.at;
            self.seek_special()?;
            self.buf.push_str(self.text.get(run..self.at)?);
        }
    }

    /// The bytes of a string [`Self::string`] read (UTF-8: the line is a `str`, a span starts
    /// and ends at ASCII quotes, and the buffer holds decoded text).
    fn text_of(&self, s: Str) -> Option<&[u8]> {
        match s {
            Str::Span(start, end) => self.bytes().get(start..end),
            Str::Buf => Some(self.buf.as_bytes()),
        }
    }

    /// The rest of a `\u` escape being skipped: a surrogate must be half of a pair, or the
    /// serde reader decides.
    fn skip_unit(&mut self) -> Option<()> {
        match self.hex4()? {
            0xD800..=0xDBFF => {
                self.literal("\\u")?;
                (0xDC00..=0xDFFF).contains(&self.hex4()?).then_some(())
            }
            0xDC00..=0xDFFF => None,
            _ => Some(()),
        }
    }

    /// Four hex digits of a `\u` escape.
    fn hex4(&mut self) -> Option<u32> {
        let hex = self.bytes().get(self.at..self.at + 4)?;
        let mut unit = 0;
        for &b in hex {
            unit = unit * 16 + char::from(b).to_digit(16)?;
        }
        self.at += 4;
        Some(unit)
    }

    /// Skips a string, from its opening quote, checking its escapes.
    fn skip_string(&mut self) -> Option<()> {
        self.eat(b'"')?;
        loop {
            match self.seek_special()? {
                b'"' => {
                    self.at += 1;
                    return Some(());
                }
                b'\\' => {
                    let escape = *self.bytes().get(self.at + 1)?;
                    self.at += 2;
                    match escape {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                        b'u' => self.skip_unit()?,
                        _ => return None,
                    }
                }
                _ => return None,
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while let Some(b'0'..=b'9') = self.peek() {
            self.at += 1;
        }
        self.at - start
    }

    /// A number as the JSON grammar writes it; its text.
    fn number(&mut self) -> Option<&'t str> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.peek()? {
            b'0' => self.at += 1,
            b'1'..=b'9' => {
                self.digits();
            }
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            if self.digits() == 0 {
                return None;
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.at += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            if self.digits() == 0 {
                return None;
            }
        }
        self.text.get(start..self.at)
    }

    /// An int as serde_json reads one into an `i64`: no fraction or exponent, no leading zero,
    /// not `-0` (a float to serde_json), within the `i64` range.
    fn int(&mut self) -> Option<i64> {
        let negative = self.peek() == Some(b'-');
        if negative {
            self.at += 1;
        }
        let start = self.at;
        let mut magnitude: u64 = 0;
        while let Some(b @ b'0'..=b'9') = self.peek() {
            magnitude = magnitude.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
            self.at += 1;
        }
        let len = self.at - start;
        if len == 0 || (len > 1 && self.bytes().get(start) == Some(&b'0')) {
            return None;
        }
        if let Some(b'.' | b'e' | b'E') = self.peek() {
            return None;
        }
        if negative {
            // `-0` is a float to serde_json, and an int must be written without one.
            (magnitude != 0).then_some(())?;
            0i64.checked_sub_unsigned(magnitude)
        } else {
            i64::try_from(magnitude).ok()
        }
    }

    /// Skips any JSON value, checking it, inside `depth` objects and lists.
    fn skip_value(&mut self, depth: usize) -> Option<()> {
        match self.peek()? {
            b'"' => self.skip_string(),
            b'{' => self.skip_container(depth, b'}', true),
            b'[' => self.skip_container(depth, b']', false),
            b't' => self.literal("true"),
            b'f' => self.literal("false"),
            b'n' => self.literal("null"),
            b'-' | b'0'..=b'9' => self.number().map(|_| ()),
            _ => None,
        }
    }

    /// Skips an object (with keys) or a list, from its opening bracket.
    fn skip_container(&mut self, depth: usize, close: u8, keyed: bool) -> Option<()> {
        if depth >= MAX_NESTING {
            return None;
        }
        self.at += 1;
        self.ws();
        if self.peek()? == close {
            self.at += 1;
            return Some(());
        }
        loop {
            if keyed {
                self.skip_string()?;
                self.ws();
                self.eat(b':')?;
                self.ws();
            }
            self.skip_value(depth + 1)?;
            self.ws();
            match self.peek()? {
                b',' => {
                    self.at += 1;
                    self.ws();
                }
                b if b == close => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// After a member of an object or list: `Some(true)` at a comma (skipped, with the
    /// whitespace after it), `Some(false)` at `close` (skipped).
    fn next_member(&mut self, close: u8) -> Option<bool> {
        self.ws();
        let b = self.peek()?;
        self.at += 1;
        if b == b',' {
            self.ws();
            Some(true)
        } else {
            (b == close).then_some(false)
        }
    }

    /// Reads a value of `ty` into the stage at `at`, inside `depth` objects and lists.
    fn value(&mut self, enc: &mut Enc<'_>, shape: &Shape, ty: &Ty, at: usize, depth: usize) -> Option<()> {
        if json::is_decimal(ty) {
            let raw = match self.peek()? {
                b'n' => self.literal("null").map(|()| "null")?,
                _ => self.number()?,
            };
            return enc.put_decimal(ty, at, raw).ok();
        }
        let (ty, at) = match ty {
            Ty::Optional(inner) => {
                if self.peek()? == b'n' {
                    // The tag and the value stay zero: absent.
                    return self.literal("null");
                }
                enc.put(at, &[1]);
                (&**inner, at + enc.ty_layout(inner).align as usize)
            }
            other => (other, at),
        };
        match ty {
            Ty::Bool => {
                let v = match self.peek()? {
                    b't' => self.literal("true").map(|()| 1)?,
                    _ => self.literal("false").map(|()| 0)?,
                };
                enc.put(at, &[v]);
                Some(())
            }
            Ty::Int => {
                let v = self.int()?;
                enc.put(at, &v.to_le_bytes());
                Some(())
            }
            Ty::String | Ty::Date | Ty::Enum(_) => {
                let s = self.string()?;
                enc.put_text_bytes(ty, at, self.text_of(s)?).ok()
            }
            Ty::Record(r) => self.record(enc, shape, *r, at, depth),
            Ty::List(elem) => self.list(enc, shape, elem, at, depth),
            Ty::Map(value) => self.map(enc, shape, value, at, depth),
            Ty::Optional(_) | Ty::Decimal | Ty::Codes(_) | Ty::Entry(_) => None,
        }
    }

    /// Reads an object of record `r` into the stage at `at`.
    fn record(&mut self, enc: &mut Enc<'_>, shape: &Shape, r: u32, at: usize, depth: usize) -> Option<()> {
        if depth >= MAX_NESTING {
            return None;
        }
        let table = shape.keys().records.get(r as usize)?.as_ref()?;
        let (def, layout) = (shape.schema().record(r)?, shape.layout().record(r)?);
        self.eat(b'{')?;
        self.ws();
        let mut seen = 0u64;
        // Writers mostly put the fields in declaration order: the next key is first compared,
        // as written text, with the field after the last one read.
        let mut predicted = 0usize;
        if self.peek()? == b'}' {
            self.at += 1;
        } else {
            loop {
                let written = table.written.get(predicted).filter(|w| !w.is_empty());
                let ahead = written.and_then(|w| Some((w.len(), self.bytes().get(self.at..self.at + w.len())?)));
                let field = match (written, ahead) {
                    (Some(w), Some((len, text))) if same(w, text) => {
                        self.at += len;
                        self.ws();
                        Some(predicted)
                    }
                    _ => {
                        let s = self.string()?;
                        let key = self.text_of(s)?;
                        let mut slot = hash(key) & table.mask;
                        let field = loop {
                            match table.slots.get(slot).copied()? {
                                0 => break None,
                                i => {
                                    let index = usize::from(i - 1);
                                    if same(def.fields.get(index)?.name.as_bytes(), key) {
                                        break Some(index);
                                    }
                                }
                            }
                            slot = (slot + 1) & table.mask;
                        };
                        self.ws();
                        self.eat(b':')?;
                        self.ws();
                        field
                    }
                };
                match field {
                    Some(index) => {
                        predicted = index + 1;
                        let bit = 1u64 << index;
                        if seen & bit != 0 {
                            return None;
                        }
                        seen |= bit;
                        let (field, place) = (def.fields.get(index)?, layout.fields.get(index)?);
                        self.value(enc, shape, &field.ty, at + place.offset as usize, depth + 1)?;
                    }
                    None => self.skip_value(depth + 1)?,
                }
                if !self.next_member(b'}')? {
                    break;
                }
            }
        }
        (seen & table.required == table.required).then_some(())
    }

    /// Reads a list of `elem` whose reference goes at `at`: elements are staged, then moved to
    /// the variable area together, as the serde reader does.
    fn list(&mut self, enc: &mut Enc<'_>, shape: &Shape, elem: &Ty, at: usize, depth: usize) -> Option<()> {
        if depth >= MAX_NESTING {
            return None;
        }
        self.eat(b'[')?;
        self.ws();
        if self.peek()? == b']' {
            self.at += 1;
            return Some(());
        }
        let el = enc.ty_layout(elem);
        let start = enc.s.stage.len();
        let mut count = 0usize;
        loop {
            let pos = enc.s.stage.len();
            enc.s.stage.resize(pos + el.size as usize, 0);
            self.value(enc, shape, elem, pos, depth + 1)?;
            count += 1;
            if count > MAX_LIST_ITEMS {
                return None;
            }
            if !self.next_member(b']')? {
                break;
            }
        }
        commit(enc, start, el.align as usize, at, count)
    }

    /// Reads a map of `value` whose reference goes at `at`, when its keys arrive in strictly
    /// increasing order of their bytes (so there is no duplicate and nothing to sort).
    fn map(&mut self, enc: &mut Enc<'_>, shape: &Shape, value: &Ty, at: usize, depth: usize) -> Option<()> {
        if depth >= MAX_NESTING {
            return None;
        }
        self.eat(b'{')?;
        self.ws();
        if self.peek()? == b'}' {
            self.at += 1;
            return Some(());
        }
        let el = crate::abi::entry_layout(enc.ty_layout(value))?;
        let start = enc.s.stage.len();
        let mut count = 0usize;
        loop {
            let s = self.string()?;
            let key = self.text_of(s)?;
            if key.len() > MAX_STRING_BYTES {
                return None;
            }
            if count > 0 {
                // The previous entry's key, already in the variable area.
                let previous = enc.staged_key(enc.s.stage.len() - el.size as usize);
                if previous >= key {
                    return None;
                }
            }
            let (offset, len) = if key.is_empty() { (0, 0) } else { (enc.append_var(key, 1)?, key.len() as u32) };
            self.ws();
            self.eat(b':')?;
            self.ws();
            let pos = enc.s.stage.len();
            enc.s.stage.resize(pos + el.size as usize, 0);
            enc.put_ref(pos, offset, len);
            self.value(enc, shape, value, pos + ENTRY_VALUE_OFFSET as usize, depth + 1)?;
            count += 1;
            if count > MAX_LIST_ITEMS {
                return None;
            }
            if !self.next_member(b'}')? {
                break;
            }
        }
        commit(enc, start, el.align as usize, at, count)
    }
}

/// Moves the `count` elements staged from `start` to the variable area at a multiple of
/// `align` and writes their reference at `at`.
fn commit(enc: &mut Enc<'_>, start: usize, align: usize, at: usize, count: usize) -> Option<()> {
    let staged = std::mem::take(&mut enc.s.stage);
    let offset = enc.append_var(staged.get(start..).unwrap_or_default(), align);
    enc.s.stage = staged;
    enc.s.stage.truncate(start);
    enc.put_ref(at, offset?, u32::try_from(count).ok()?);
    Some(())
}
