//! A map (`map of string to T`) serialized as the JSON reader reads the object it would be
//! written as (`encode.rs`, `entries`): the same bytes in the same order, the same errors at
//! the same paths. Each key's bytes go to the variable area when the key is given; a key over
//! the string limit fails at the map, a key given twice at its entry (before its value), then
//! the value is serialized, then the number of entries is checked. Entries are staged like
//! list elements and written to the variable area sorted by their keys' bytes when the map
//! ends. While keys arrive in increasing order (a `BTreeMap`'s) a duplicate can only be the
//! previous key; from the first key out of order on (a `HashMap`'s), a set of the keys so far
//! decides, as in the reader.

use super::keys::KeySink;
use super::{SerError, RECORDED};
use crate::abi::{TyLayout, ENTRY_VALUE_OFFSET};
use crate::encode::{Enc, KeyRead, Seg};
use crate::json::{self, MAX_JSON_DEPTH};
use crate::schema::Ty;
use std::cmp::Ordering;
use std::collections::HashSet;

/// An open map: its entries are staged from `start`.
pub(super) struct MapState<'e> {
    /// The type of the map's values.
    pub(super) value: &'e Ty,
    el: TyLayout,
    at: usize,
    start: usize,
    count: usize,
    /// Every key so far, once one came out of order. Boxed so that an open map (moved with
    /// every compound serializer) stays small while it has none.
    #[allow(clippy::box_collection)]
    set: Option<Box<HashSet<Box<[u8]>>>>,
    /// Where the value of the entry just opened goes.
    pub(super) pending: Option<usize>,
}

impl<'e> MapState<'e> {
    /// An empty map of `value`s whose reference goes at `at`.
    pub(super) fn new(enc: &Enc<'_>, value: &'e Ty, at: usize) -> MapState<'e> {
        let el = crate::abi::entry_layout(enc.ty_layout(value)).unwrap_or(TyLayout { size: 8, align: 4 });
        MapState { value, el, at, start: enc.s.stage.len(), count: 0, set: None, pending: None }
    }
}

/// Appends a key's text to the variable area.
pub(super) struct VarSink<'v>(pub(super) &'v mut Vec<u8>);

impl KeySink for VarSink<'_> {
    type Out = KeyRead;
    fn key(self, text: &str) -> Result<KeyRead, SerError> {
        Ok(KeyRead::append(self.0, text))
    }
}

/// The bytes of the key of the entry staged at `pos` of `stage`.
fn staged_key<'v>(stage: &[u8], vars: &'v [u8], pos: usize) -> &'v [u8] {
    let word = |at: usize| stage.get(at..at + 4).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes);
    let (Some(offset), Some(len)) = (word(pos), word(pos + 4)) else {
        return &[];
    };
    let start = offset as usize;
    vars.get(start..start + len as usize).unwrap_or_default()
}

fn fail(enc: &mut Enc<'_>, message: String) -> SerError {
    enc.record_error(None, message);
    RECORDED
}

/// Opens the entry of `key` (just read): checks it, stages the entry and pushes its path step.
/// Returns where the entry's value goes.
pub(super) fn open_entry(enc: &mut Enc<'_>, map: &mut MapState<'_>, key: KeyRead) -> Result<usize, SerError> {
    let (offset, len) = match key {
        KeyRead::At(offset, len) => (offset, len),
        KeyRead::TooLong(len) => {
            enc.s.stage.truncate(map.start);
            return Err(fail(enc, json::key_too_long(len)));
        }
        KeyRead::TooLarge => {
            enc.s.stage.truncate(map.start);
            return Err(fail(enc, "does not fit in a batch (4 GiB of strings and lists)".into()));
        }
    };
    let size = map.el.size as usize;
    let key = enc.vars.get(offset as usize..offset as usize + len as usize).unwrap_or_default();
    let duplicate = match &mut map.set {
        Some(set) => !set.insert(key.into()),
        None if map.count == 0 => false,
        None => match staged_key(&enc.s.stage, enc.vars, map.start + (map.count - 1) * size).cmp(key) {
            Ordering::Less => false,
            Ordering::Equal => true,
            Ordering::Greater => {
                let mut set: HashSet<Box<[u8]>> =
                    (0..map.count).map(|i| staged_key(&enc.s.stage, enc.vars, map.start + i * size).into()).collect();
                let duplicate = !set.insert(key.into());
                map.set = Some(Box::new(set));
                duplicate
            }
        },
    };
    enc.s.path.push(Seg::Key { offset, len });
    if duplicate {
        let error = fail(enc, json::DUPLICATE_KEY.into());
        enc.s.stage.truncate(map.start);
        return Err(error);
    }
    let pos = enc.s.stage.len();
    enc.s.stage.resize(pos + size, 0);
    enc.put_ref(pos, offset, len);
    // The reader checks the depth when it starts on the value, below the key's step.
    if enc.s.path.len() > MAX_JSON_DEPTH {
        return Err(fail(enc, format!("nested deeper than {MAX_JSON_DEPTH} levels")));
    }
    let at = pos + ENTRY_VALUE_OFFSET as usize;
    map.pending = Some(at);
    Ok(at)
}

/// Closes the entry whose value was just serialized.
pub(super) fn end_entry(enc: &mut Enc<'_>, map: &mut MapState<'_>) -> Result<(), SerError> {
    enc.s.path.pop();
    map.pending = None;
    if map.count == json::MAX_LIST_ITEMS {
        enc.s.stage.truncate(map.start);
        return Err(fail(enc, json::map_too_long()));
    }
    map.count += 1;
    Ok(())
}

/// Moves a map's staged entries to the variable area, sorted by their keys' bytes, and
/// writes its reference.
pub(super) fn close_map(enc: &mut Enc<'_>, map: MapState<'_>) -> Result<(), SerError> {
    let (start, count, size) = (map.start, map.count, map.el.size as usize);
    if count == 0 {
        return Ok(());
    }
    let staged = std::mem::take(&mut enc.s.stage);
    let entries = staged.get(start..).unwrap_or_default();
    let offset = if map.set.is_none() {
        enc.append_var(entries, map.el.align as usize)
    } else {
        let mut order: Vec<usize> = (0..count).collect();
        order.sort_by(|&a, &b| {
            staged_key(&staged, enc.vars, start + a * size).cmp(staged_key(&staged, enc.vars, start + b * size))
        });
        let mut sorted = Vec::with_capacity(entries.len());
        for i in order {
            sorted.extend_from_slice(staged.get(start + i * size..start + (i + 1) * size).unwrap_or_default());
        }
        enc.append_var(&sorted, map.el.align as usize)
    };
    enc.s.stage = staged;
    enc.s.stage.truncate(start);
    match (offset, u32::try_from(count)) {
        (Some(offset), Ok(count)) => {
            enc.put_ref(map.at, offset, count);
            Ok(())
        }
        _ => Err(fail(enc, "does not fit in a batch (4 GiB of strings and lists)".into())),
    }
}
