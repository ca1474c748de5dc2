//! What the typed serializer learns about a policy's schema and about the host's types, kept
//! from one record to the next so that the happy path compares pointers instead of names.
//!
//! serde gives struct field names and enum variant names as `&'static str`s, the same pointers
//! for every value of a host type. The first time a name matches a field (or variant) of the
//! schema, its pointer and length are recorded for that field; afterwards a name with the same
//! pointer and length is that field without a comparison. This is exact: a `&'static str` is
//! never freed or changed, so the same pointer and length always hold the same bytes. A name
//! that was never seen, or another host type's copy of it, falls back to comparing bytes (and
//! is learned in its turn).
//!
//! The memo also holds, per record, the fields a record must have (as a bit mask of its first
//! 64 fields), so that closing a record is one mask test. A memo belongs to one [`Shape`]; a
//! thread keeps the last one it used ([`Memo::take`], [`Memo::keep`]), so both
//! `BatchEncoder::push_serialize` and `Evaluator::evaluate_typed` find it ready.

use crate::abi::Shape;
use crate::schema::Ty;
use std::cell::Cell;
use std::sync::{Arc, Weak};

/// A name as serde gives it: where its bytes are and how many; `(0, 0)` for none learned.
pub(crate) type NameId = (usize, usize);

/// The identity of a `&'static str`.
#[inline]
pub(crate) fn name_id(name: &'static str) -> NameId {
    (name.as_ptr() as usize, name.len())
}

/// Per record: where its fields' learned names start in [`Memo::fields`], and which of its
/// first 64 fields are required (not optional).
#[derive(Debug, Clone, Copy)]
pub(crate) struct RecordMemo {
    pub(crate) base: usize,
    pub(crate) required: u64,
}

/// Learned names and required-field masks for one shape.
#[derive(Debug, Default)]
pub(crate) struct Memo {
    /// The shape this memo describes. Holding the `Weak` keeps its allocation, so no other
    /// shape can appear at the same address while the memo lives.
    shape: Weak<Shape>,
    pub(crate) records: Vec<RecordMemo>,
    /// The learned name of every field of every record, records one after the other.
    pub(crate) fields: Vec<NameId>,
    /// Where each enum's variants start in [`Self::variants`], and whether its values take 4
    /// bytes (more than 256 variants, as `Enc::put_text` writes them) rather than 1.
    pub(crate) enums: Vec<(usize, bool)>,
    /// The learned name of every variant of every enum.
    pub(crate) variants: Vec<NameId>,
}

thread_local! {
    /// The memo this thread used last.
    static LAST: Cell<Option<Memo>> = const { Cell::new(None) };
}

impl Memo {
    /// A memo for `shape`: the thread's last one if it is for the same shape, else a new one.
    /// A serializer running inside another (a `Serialize` implementation that encodes a
    /// record itself) finds none kept and gets a new one.
    pub(crate) fn take(shape: &Arc<Shape>) -> Memo {
        let kept = LAST.with(Cell::take);
        match kept {
            Some(memo) if std::ptr::eq(memo.shape.as_ptr(), Arc::as_ptr(shape)) => memo,
            _ => Memo::new(shape),
        }
    }

    /// Keeps `memo` for the thread's next serialization.
    pub(crate) fn keep(memo: Memo) {
        LAST.with(|last| last.set(Some(memo)));
    }

    fn new(shape: &Arc<Shape>) -> Memo {
        let schema = shape.schema();
        let mut memo = Memo { shape: Arc::downgrade(shape), ..Memo::default() };
        for record in &schema.records {
            let mut required = 0u64;
            for (i, field) in record.fields.iter().enumerate().take(64) {
                if !matches!(field.ty, Ty::Optional(_)) {
                    required |= 1 << i;
                }
            }
            memo.records.push(RecordMemo { base: memo.fields.len(), required });
            memo.fields.extend(std::iter::repeat_n((0, 0), record.fields.len()));
        }
        for def in &schema.enums {
            memo.enums.push((memo.variants.len(), def.variants.len() > 256));
            memo.variants.extend(std::iter::repeat_n((0, 0), def.variants.len()));
        }
        memo
    }

    /// Record `r`'s entry (an empty one for a record the schema lacks).
    #[inline]
    pub(crate) fn record(&self, r: u32) -> RecordMemo {
        self.records.get(r as usize).copied().unwrap_or(RecordMemo { base: usize::MAX, required: 0 })
    }

    /// Whether variant `index` of enum `e` was learned as `id`: then whether the enum's
    /// values take 4 bytes (more than 256 variants) rather than 1.
    #[inline]
    pub(crate) fn variant(&self, e: u32, index: u32, id: NameId) -> Option<bool> {
        let (base, wide) = *self.enums.get(e as usize)?;
        let learned = self.variants.get(base.wrapping_add(index as usize))?;
        (*learned == id).then_some(wide)
    }

    /// Records that variant `index` of enum `e` is named by `id`; returns whether the enum's
    /// values take 4 bytes.
    pub(crate) fn learn_variant(&mut self, e: u32, index: u32, id: NameId) -> bool {
        let Some(&(base, wide)) = self.enums.get(e as usize) else {
            return false;
        };
        if let Some(slot) = self.variants.get_mut(base.wrapping_add(index as usize)) {
            *slot = id;
        }
        wide
    }
}
