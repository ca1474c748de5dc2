//! A borrowed, allocation-free view of a decision's fields by name, for hosts that read a few
//! fields of each decision and want neither an output type nor a [`Value`].
//!
//! A [`DecisionView`] is a record in the layout; [`DecisionView::get`] gives a [`FieldView`]
//! of one field, whose accessors read it in place: [`FieldView::bool`], [`FieldView::int`],
//! [`FieldView::date`], [`FieldView::str`] (borrowed from the instance's memory),
//! [`FieldView::codes`] (the names of the codes that apply), [`FieldView::record`],
//! [`FieldView::list`], [`FieldView::map`] (entries by key, found by binary search over the
//! keys' bytes) and [`FieldView::optional`]. Nothing is read before it is asked for, and
//! every read is checked as [`crate::decode`] checks it (offsets and lengths inside the variable
//! area, bools 0 or 1, enum variants and code bits that exist, dates in range, UTF-8 strings):
//! a hostile module's bytes give a [`ViewError::Bad`], never a panic. Reads are one level at a
//! time, so a list that refers to itself costs the host only the reads it makes.
//!
//! [`Value`]: crate::schema::Value

use crate::abi::{Shape, ENTRY_VALUE_OFFSET};
use crate::decode::{Buf, DecodeError, Reader, Region};
use crate::schema::{FieldDef, Ty};

/// Why a field could not be read through a view.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ViewError {
    /// The record has no field of this name.
    #[error("the record has no field `{0}`")]
    NoField(String),
    /// The field is of another type than the accessor reads.
    #[error("the value is {found}, not {expected}")]
    Type {
        /// What the accessor reads.
        expected: &'static str,
        /// The value's type, or `null` for an absent optional.
        found: &'static str,
    },
    /// The bytes are not a value of their type: the module wrote something invalid.
    #[error("the policy wrote an invalid value: {0}")]
    Bad(DecodeError),
}

impl From<DecodeError> for ViewError {
    fn from(e: DecodeError) -> Self {
        ViewError::Bad(e)
    }
}

/// A record of a decision (the decision itself, or a nested record), read in place.
#[derive(Debug, Clone, Copy)]
pub struct DecisionView<'d> {
    region: Region<'d>,
    shape: &'d Shape,
    record: u32,
    buf: Buf,
    at: usize,
}

impl<'d> DecisionView<'d> {
    /// A view of the record of type `record` at `at` in `region.fixed`, such as a decision slot's
    /// output record. Nothing is read yet.
    pub fn new(region: Region<'d>, shape: &'d Shape, record: u32, at: usize) -> DecisionView<'d> {
        DecisionView { region, shape, record, buf: Buf::Fixed, at }
    }

    fn fields_of(&self) -> &'d [FieldDef] {
        self.shape.schema().record(self.record).map_or(&[], |r| r.fields.as_slice())
    }

    /// The name of the record's type in the policy (`Decision`, `XdrResult`, ...).
    pub fn type_name(&self) -> &'d str {
        self.shape.schema().record(self.record).map_or("", |r| r.name.as_str())
    }

    /// The field called `name`.
    pub fn get(&self, name: &str) -> Result<FieldView<'d>, ViewError> {
        let index = self.fields_of().iter().position(|f| f.name == name);
        index.and_then(|i| self.field(i)).ok_or_else(|| ViewError::NoField(name.to_string()))
    }

    /// The field at position `index` in declaration order, if there is one.
    pub fn field(&self, index: usize) -> Option<FieldView<'d>> {
        let def = self.fields_of().get(index)?;
        let place = self.shape.layout().record(self.record)?.fields.get(index)?;
        let at = self.at.checked_add(place.offset as usize)?;
        Some(FieldView { region: self.region, shape: self.shape, ty: &def.ty, buf: self.buf, at })
    }

    /// The fields in declaration order, with their names.
    pub fn fields(&self) -> impl Iterator<Item = (&'d str, FieldView<'d>)> + '_ {
        let defs = self.fields_of();
        defs.iter().enumerate().filter_map(move |(i, f)| Some((f.name.as_str(), self.field(i)?)))
    }
}

/// One value of a decision (a field, a list element, an optional's value), read in place.
#[derive(Debug, Clone, Copy)]
pub struct FieldView<'d> {
    region: Region<'d>,
    shape: &'d Shape,
    ty: &'d Ty,
    buf: Buf,
    at: usize,
}

/// The name of a type's kind in [`ViewError::Type`].
fn kind(ty: &Ty) -> &'static str {
    match ty {
        Ty::Bool => "bool",
        Ty::Int => "int",
        Ty::Decimal => "decimal",
        Ty::Date => "date",
        Ty::String => "string",
        Ty::Enum(_) => "enum",
        Ty::Record(_) => "record",
        Ty::List(_) => "list",
        Ty::Optional(_) => "optional",
        Ty::Codes(_) => "codes",
        Ty::Map(_) => "map",
        Ty::Entry(_) => "map entry",
    }
}

impl<'d> FieldView<'d> {
    fn reader(&self) -> Reader<'d, 'd> {
        self.region.reader(self.shape)
    }

    /// The value itself, an optional's value when present: its type and place.
    fn value(&self, expected: &'static str) -> Result<(&'d Ty, usize), ViewError> {
        match self.ty {
            Ty::Optional(inner) => match self.reader().optional(inner, self.buf, self.at)? {
                Some(at) => Ok((inner, at)),
                None => Err(ViewError::Type { expected, found: "null" }),
            },
            ty => Ok((ty, self.at)),
        }
    }

    fn wrong(ty: &Ty, expected: &'static str) -> ViewError {
        ViewError::Type { expected, found: kind(ty) }
    }

    /// Whether this is an optional that is absent (`null` in JSON).
    pub fn is_null(&self) -> Result<bool, ViewError> {
        Ok(self.optional()?.is_none())
    }

    /// The value of an optional, `None` when absent; any other value is itself.
    pub fn optional(&self) -> Result<Option<FieldView<'d>>, ViewError> {
        match self.ty {
            Ty::Optional(inner) => {
                let at = self.reader().optional(inner, self.buf, self.at)?;
                Ok(at.map(|at| FieldView { ty: inner, at, ..*self }))
            }
            _ => Ok(Some(*self)),
        }
    }

    /// A `bool`.
    pub fn bool(&self) -> Result<bool, ViewError> {
        match self.value("bool")? {
            (Ty::Bool, at) => Ok(self.reader().bool(self.buf, at)?),
            (ty, _) => Err(Self::wrong(ty, "bool")),
        }
    }

    /// An `int`.
    pub fn int(&self) -> Result<i64, ViewError> {
        match self.value("int")? {
            (Ty::Int, at) => Ok(self.reader().int(self.buf, at)?),
            (ty, _) => Err(Self::wrong(ty, "int")),
        }
    }

    /// A `decimal`, as its exact count of millionths (see [`crate::decimal`] to write it).
    pub fn decimal(&self) -> Result<i64, ViewError> {
        match self.value("decimal")? {
            (Ty::Decimal, at) => Ok(self.reader().int(self.buf, at)?),
            (ty, _) => Err(Self::wrong(ty, "decimal")),
        }
    }

    /// A `date`, as days since 1970-01-01 (see [`crate::date`] to format or split it).
    pub fn date(&self) -> Result<i32, ViewError> {
        match self.value("date")? {
            (Ty::Date, at) => Ok(self.reader().date(self.buf, at)?),
            (ty, _) => Err(Self::wrong(ty, "date")),
        }
    }

    /// A `string`, borrowed from the instance's memory, or an enum's variant name, borrowed
    /// from the policy's schema.
    pub fn str(&self) -> Result<&'d str, ViewError> {
        match self.value("string")? {
            (Ty::String, at) => Ok(self.reader().string(self.buf, at)?),
            (Ty::Enum(e), at) => Ok(self.reader().variant(*e, self.buf, at)?.1),
            (ty, _) => Err(Self::wrong(ty, "string")),
        }
    }

    /// An enum's variant as its position in the enum's declaration.
    pub fn variant_index(&self) -> Result<u32, ViewError> {
        match self.value("enum")? {
            (Ty::Enum(e), at) => Ok(self.reader().variant(*e, self.buf, at)?.0),
            (ty, _) => Err(Self::wrong(ty, "enum")),
        }
    }

    /// The codes of a `codes(G)` field that apply, in declaration order.
    pub fn codes(&self) -> Result<Codes<'d>, ViewError> {
        match self.value("codes")? {
            (Ty::Codes(g), at) => {
                let bits = self.reader().codes(*g, self.buf, at)?;
                let group = self.shape.schema().group(*g);
                Ok(Codes { codes: group.map_or(&[], |g| g.codes.as_slice()), bits, next: 0 })
            }
            (ty, _) => Err(Self::wrong(ty, "codes")),
        }
    }

    /// A nested record.
    pub fn record(&self) -> Result<DecisionView<'d>, ViewError> {
        match self.value("record")? {
            (Ty::Record(r), at) => {
                // Checks that the record lies inside its area before any field is read.
                let size = self.shape.layout().record(*r).map_or(0, |l| l.size as usize);
                self.reader().bytes(self.buf, at, size)?;
                Ok(DecisionView { region: self.region, shape: self.shape, record: *r, buf: self.buf, at })
            }
            (ty, _) => Err(Self::wrong(ty, "record")),
        }
    }

    /// A list.
    pub fn list(&self) -> Result<ListView<'d>, ViewError> {
        match self.value("list")? {
            (Ty::List(elem), at) => {
                let (offset, count, size) = self.reader().list(elem, self.buf, at)?;
                Ok(ListView { region: self.region, shape: self.shape, elem, offset, count, size })
            }
            (ty, _) => Err(Self::wrong(ty, "list")),
        }
    }

    /// A map. Every key is checked when the view is made (UTF-8, inside the variable area,
    /// each greater than the one before), so that lookups by key can search them in halves.
    pub fn map(&self) -> Result<MapView<'d>, ViewError> {
        match self.value("map")? {
            (Ty::Map(value), at) => {
                let (offset, count, size) = self.reader().map(value, self.buf, at)?;
                Ok(MapView { region: self.region, shape: self.shape, value, offset, count, size })
            }
            (ty, _) => Err(Self::wrong(ty, "map")),
        }
    }
}

/// The names of the codes of a group that apply, in declaration order.
#[derive(Debug, Clone)]
pub struct Codes<'d> {
    codes: &'d [crate::schema::CodeDef],
    bits: u64,
    next: usize,
}

impl Codes<'_> {
    /// The bitset: bit `i` set means code `i` of the group applies.
    pub fn bits(&self) -> u64 {
        self.bits
    }

    /// Whether the code named `code` applies.
    pub fn contains(&self, code: &str) -> bool {
        self.codes.iter().position(|c| c.code == code).is_some_and(|i| i < 64 && self.bits & (1u64 << i) != 0)
    }
}

impl<'d> Iterator for Codes<'d> {
    type Item = &'d str;

    fn next(&mut self) -> Option<&'d str> {
        while let Some(code) = self.codes.get(self.next) {
            let i = self.next;
            self.next += 1;
            if i < 64 && self.bits & (1u64 << i) != 0 {
                return Some(code.code.as_str());
            }
        }
        None
    }
}

/// A list of a decision, its elements read in place; the list's bounds were checked when it
/// was made.
#[derive(Debug, Clone, Copy)]
pub struct ListView<'d> {
    region: Region<'d>,
    shape: &'d Shape,
    elem: &'d Ty,
    offset: usize,
    count: usize,
    size: usize,
}

impl<'d> ListView<'d> {
    /// The number of elements.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Element `i`, if there is one.
    pub fn get(&self, i: usize) -> Option<FieldView<'d>> {
        if i >= self.count {
            return None;
        }
        let at = self.offset.checked_add(i.checked_mul(self.size)?)?;
        Some(FieldView { region: self.region, shape: self.shape, ty: self.elem, buf: Buf::Vars, at })
    }

    /// The elements in order.
    pub fn iter(&self) -> impl Iterator<Item = FieldView<'d>> + '_ {
        (0..self.count).filter_map(move |i| self.get(i))
    }
}

/// A map of a decision, its entries read in place in the order of their keys' bytes (the
/// order of its JSON object). Its bounds and keys were checked when it was made.
#[derive(Debug, Clone, Copy)]
pub struct MapView<'d> {
    region: Region<'d>,
    shape: &'d Shape,
    value: &'d Ty,
    offset: usize,
    count: usize,
    size: usize,
}

impl<'d> MapView<'d> {
    /// The number of entries.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    fn key_at(&self, i: usize) -> Result<&'d str, ViewError> {
        let at = i.checked_mul(self.size).and_then(|o| o.checked_add(self.offset));
        let at = at.ok_or_else(|| ViewError::Bad(DecodeError("map entry out of range".into())))?;
        Ok(self.region.reader(self.shape).string(Buf::Vars, at)?)
    }

    fn value_at(&self, i: usize) -> Option<FieldView<'d>> {
        let at = self.offset.checked_add(i.checked_mul(self.size)?)?.checked_add(ENTRY_VALUE_OFFSET as usize)?;
        Some(FieldView { region: self.region, shape: self.shape, ty: self.value, buf: Buf::Vars, at })
    }

    /// Entry `i` in key order, its key and its value, if there is one.
    pub fn entry(&self, i: usize) -> Option<(&'d str, FieldView<'d>)> {
        if i >= self.count {
            return None;
        }
        Some((self.key_at(i).ok()?, self.value_at(i)?))
    }

    /// The value of the entry whose key is `key`, if there is one: a binary search over the
    /// keys' bytes, reading a few keys and allocating nothing.
    pub fn get(&self, key: &str) -> Option<FieldView<'d>> {
        let (mut low, mut high) = (0, self.count);
        while low < high {
            let mid = low + (high - low) / 2;
            match self.key_at(mid).ok()?.as_bytes().cmp(key.as_bytes()) {
                std::cmp::Ordering::Less => low = mid + 1,
                std::cmp::Ordering::Greater => high = mid,
                std::cmp::Ordering::Equal => return self.value_at(mid),
            }
        }
        None
    }

    /// Whether the map has an entry whose key is `key`.
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The entries in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&'d str, FieldView<'d>)> + '_ {
        (0..self.count).filter_map(move |i| self.entry(i))
    }
}
