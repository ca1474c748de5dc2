//! Arrow columns straight into the input layout of a batch, a column at a time.
//!
//! [`ArrowEncoder::encode`] walks the policy's input type and the batch's columns together.
//! Each column is written for all rows before the next one: value `j` of an array goes to
//! `base + j * stride` of its buffer (the input area for top-level and struct columns, a region
//! of the variable area for list elements). A list column reserves one contiguous region for
//! all its elements and encodes its child array into it in one go, so the elements of every
//! row's list are contiguous, as the layout requires; the bytes of a `Utf8` column are copied
//! into the variable area with one copy. Errors are kept per row with the path of the value,
//! built only when an error happens; rows with an error are then removed from the input area.

use super::super::json::{self, RecordError, MAX_JSON_DEPTH, MAX_LIST_ITEMS, MAX_STRING_BYTES};
use crate::abi::{Shape, TyLayout};
use crate::date;
use crate::encode::variants::VariantIndex;
use crate::schema::{Schema, Ty};
use arrow_array::cast::AsArray;
use arrow_array::types::{Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type, UInt32Type, UInt64Type, UInt8Type};
use arrow_array::{Array, ArrayRef, ArrowPrimitiveType, OffsetSizeTrait, RecordBatch};
use arrow_buffer::ArrowNativeType;
use arrow_schema::DataType;
use std::collections::BTreeMap;
use std::sync::Arc;

/// A batch of records in the input layout, encoded from an Arrow `RecordBatch`.
///
/// Keep one per worker and call [`Self::encode`] for each batch: the buffers are reused.
#[derive(Debug, Clone)]
pub struct ArrowEncoder {
    shape: Arc<Shape>,
    records: Vec<u8>,
    vars: Vec<u8>,
    errors: BTreeMap<usize, RecordError>,
    rows: Vec<usize>,
}

impl ArrowEncoder {
    /// An empty encoder for records of `shape`'s input type.
    pub fn new(shape: Arc<Shape>) -> ArrowEncoder {
        ArrowEncoder { shape, records: Vec::new(), vars: Vec::new(), errors: BTreeMap::new(), rows: Vec::new() }
    }

    /// The schema and layout the records are encoded in.
    pub fn shape(&self) -> &Arc<Shape> {
        &self.shape
    }

    /// Encodes every row of `batch`, replacing what the encoder held. Columns are found by
    /// the names of the input record's fields; other columns are not read. Rows that cannot be
    /// encoded get an [error](Self::errors) and are left out of the input area.
    pub fn encode(&mut self, batch: &RecordBatch) {
        let n = batch.num_rows();
        let size = self.shape.layout().input_size as usize;
        self.records.clear();
        self.records.resize(n.saturating_mul(size), 0);
        self.vars.clear();
        self.errors.clear();
        self.rows.clear();
        let shape = Arc::clone(&self.shape);
        let schema = shape.schema();
        let input = schema.input;
        let mut enc = Enc {
            schema,
            shape: &shape,
            records: &mut self.records,
            vars: &mut self.vars,
            errors: &mut self.errors,
            frames: Vec::new(),
        };
        let columns: Vec<(&str, &ArrayRef)> =
            batch.schema_ref().fields().iter().map(|f| f.name().as_str()).zip(batch.columns()).collect();
        let place = Place { buf: Buf::Records, base: 0, stride: size };
        enc.fields(input, &columns, n, place, None);
        // Keep the rows that encoded, in order, at the front of the input area.
        let mut kept = 0;
        for row in 0..n {
            if self.errors.contains_key(&row) {
                continue;
            }
            if kept != row {
                self.records.copy_within(row * size..(row + 1) * size, kept * size);
            }
            self.rows.push(row);
            kept += 1;
        }
        self.records.truncate(kept * size);
    }

    /// The number of rows encoded (those without an error).
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether no row was encoded.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The input area: the encoded rows' fixed-size parts, one after the other.
    pub fn records(&self) -> &[u8] {
        &self.records
    }

    /// The variable area: string bytes and list elements, which offsets in records refer to.
    pub fn vars(&self) -> &[u8] {
        &self.vars
    }

    /// The bytes of both areas together.
    pub fn encoded_len(&self) -> usize {
        self.records.len() + self.vars.len()
    }

    /// For each encoded record, in order, the row of the batch it came from.
    pub fn rows(&self) -> &[usize] {
        &self.rows
    }

    /// The rows that could not be encoded, by row of the batch, each with its error.
    pub fn errors(&self) -> &BTreeMap<usize, RecordError> {
        &self.errors
    }
}

#[derive(Clone, Copy)]
enum Buf {
    Records,
    Vars,
}

/// Where the values of an array go: value `j` at `base + j * stride` of `buf`.
#[derive(Clone, Copy)]
struct Place {
    buf: Buf,
    base: usize,
    stride: usize,
}

impl Place {
    fn at(&self, j: usize) -> usize {
        self.base + j * self.stride
    }

    fn shifted(self, by: usize) -> Place {
        Place { base: self.base + by, ..self }
    }
}

/// One step of the path from a row to the array being encoded.
enum Frame<'s> {
    /// A field of a record.
    Field(&'s str),
    /// The elements of a list; the offsets, starting at 0, of each list's elements.
    List(Vec<usize>),
    /// The values of a map's entries: the offsets, starting at 0, of each map's entries, and
    /// the keys of all its entries (from the first entry of the first map), which name them.
    Map(Vec<usize>, ArrayRef),
    /// One entry of a map, by its key: for an error about the entry itself (a key given twice).
    Key(String),
}

/// Which values of an array to encode: `None` for all, else `true` at those to encode.
type Mask<'m> = Option<&'m [bool]>;

fn active(mask: Mask, j: usize) -> bool {
    mask.is_none_or(|m| m.get(j).copied().unwrap_or(false))
}

struct Enc<'e> {
    schema: &'e Schema,
    shape: &'e Shape,
    records: &'e mut Vec<u8>,
    vars: &'e mut Vec<u8>,
    errors: &'e mut BTreeMap<usize, RecordError>,
    frames: Vec<Frame<'e>>,
}

impl<'e> Enc<'e> {
    /// Records `message` for value `j` of the current array, unless its row has an error.
    fn fail(&mut self, j: usize, extra: Option<&str>, message: impl FnOnce() -> String) {
        let mut row = j;
        let mut segments: Vec<String> = Vec::new();
        if let Some(name) = extra {
            segments.push(name.to_string());
        }
        for frame in self.frames.iter().rev() {
            match frame {
                Frame::Field(name) => segments.push((*name).to_string()),
                Frame::List(offsets) => {
                    // The list that holds element `row`: the last one starting at or before it.
                    let parent = offsets.partition_point(|&o| o <= row).saturating_sub(1);
                    let start = offsets.get(parent).copied().unwrap_or(0);
                    segments.push(format!("[{}]", row - start.min(row)));
                    row = parent;
                }
                Frame::Map(offsets, keys) => {
                    let parent = offsets.partition_point(|&o| o <= row).saturating_sub(1);
                    let mut segment = String::new();
                    json::push_key_segment(&mut segment, Strings::of(keys.as_ref()).map_or("", |k| k.get(row)));
                    segments.push(segment);
                    row = parent;
                }
                Frame::Key(key) => {
                    let mut segment = String::new();
                    json::push_key_segment(&mut segment, key);
                    segments.push(segment);
                }
            }
        }
        if self.errors.contains_key(&row) {
            return;
        }
        let mut path = String::new();
        for seg in segments.iter().rev() {
            if !seg.starts_with('[') && !path.is_empty() {
                path.push('.');
            }
            path.push_str(seg);
        }
        self.errors.insert(row, RecordError { path, message: message() });
    }

    /// Fails every active value of an array of `len` values.
    fn fail_all(&mut self, len: usize, mask: Mask, extra: Option<&str>, message: &str) {
        for j in 0..len {
            if active(mask, j) {
                self.fail(j, extra, || message.to_string());
            }
        }
    }

    fn buf(&mut self, buf: Buf) -> &mut Vec<u8> {
        match buf {
            Buf::Records => self.records,
            Buf::Vars => self.vars,
        }
    }

    fn put(&mut self, place: Place, j: usize, bytes: &[u8]) {
        let at = place.at(j);
        // Every place lies inside its buffer: areas are sized before they are written.
        if let Some(dst) = self.buf(place.buf).get_mut(at..at + bytes.len()) {
            dst.copy_from_slice(bytes);
        }
    }

    fn put_ref(&mut self, place: Place, j: usize, offset: u32, len: u32) {
        let pair = (u64::from(len) << 32) | u64::from(offset);
        self.put(place, j, &pair.to_le_bytes());
    }

    fn ty_layout(&self, ty: &Ty) -> TyLayout {
        self.shape.layout().ty(ty).unwrap_or(TyLayout { size: 0, align: 1 })
    }

    /// Reserves `len` zeroed bytes of the variable area at a multiple of `align`; `None` if the
    /// area would pass 4 GiB.
    fn reserve(&mut self, len: usize, align: usize) -> Option<usize> {
        let start = self.vars.len().checked_next_multiple_of(align)?;
        let end = start.checked_add(len)?;
        u32::try_from(end).ok()?;
        self.vars.resize(end, 0);
        Some(start)
    }

    /// Encodes the fields of record `r` from `columns` (name, array of `len` values each).
    fn fields(&mut self, r: u32, columns: &[(&str, &ArrayRef)], len: usize, place: Place, mask: Mask) {
        let schema = self.schema;
        let (Some(def), Some(layout)) = (schema.record(r), self.shape.layout().record(r)) else {
            return;
        };
        for (field, slot) in def.fields.iter().zip(&layout.fields) {
            let mut found = columns.iter().filter(|(name, _)| *name == field.name);
            match (found.next(), found.next()) {
                (Some(_), Some(_)) => self.fail_all(len, mask, Some(&field.name), "duplicate field"),
                (Some((_, array)), None) => {
                    self.frames.push(Frame::Field(&field.name));
                    self.value(&field.ty, array.as_ref(), place.shifted(slot.offset as usize), mask);
                    self.frames.pop();
                }
                (None, _) if matches!(field.ty, Ty::Optional(_)) => {}
                (None, _) => self.fail_all(len, mask, Some(&field.name), "missing field"),
            }
        }
    }

    /// Encodes every active value of `array` as a value of type `ty`.
    fn value(&mut self, ty: &'e Ty, array: &dyn Array, place: Place, mask: Mask) {
        let len = array.len();
        if self.frames.len() > MAX_JSON_DEPTH {
            let message = format!("nested deeper than {MAX_JSON_DEPTH} levels");
            return self.fail_all(len, mask, None, &message);
        }
        let nulls = if *array.data_type() == DataType::Null {
            Some(arrow_buffer::NullBuffer::new_null(len))
        } else {
            array.logical_nulls()
        };
        let nulls = nulls.filter(|n| n.null_count() > 0);
        let (ty, place) = match ty {
            Ty::Optional(inner) => {
                let offset = self.ty_layout(inner).align as usize;
                for j in 0..len {
                    if active(mask, j) && nulls.as_ref().is_none_or(|n| n.is_valid(j)) {
                        self.put(place, j, &[1]);
                    }
                }
                (&**inner, place.shifted(offset))
            }
            other => {
                if let Some(nulls) = &nulls {
                    let schema = self.schema;
                    for j in 0..len {
                        if active(mask, j) && nulls.is_null(j) {
                            self.fail(j, None, || format!("expected {}, found null", json::describe(schema, other)));
                        }
                    }
                }
                (other, place)
            }
        };
        // The values to encode: active and not null.
        let owned: Option<Vec<bool>> = nulls.map(|n| (0..len).map(|j| active(mask, j) && n.is_valid(j)).collect());
        let mask = owned.as_deref().or(mask);
        if *array.data_type() == DataType::Null {
            return;
        }
        match ty {
            Ty::Bool => self.bool(array, place, mask, ty),
            Ty::Int => self.int(array, place, mask, ty),
            Ty::Decimal => self.decimal(array, place, mask, ty),
            Ty::Date => self.date(array, place, mask, ty),
            Ty::String => self.string(array, place, mask, ty),
            Ty::Enum(e) => self.enumeration(*e, array, place, mask, ty),
            Ty::Record(r) => match array.as_struct_opt() {
                Some(s) => {
                    let names = s.fields().iter().map(|f| f.name().as_str());
                    let columns: Vec<(&str, &ArrayRef)> = names.zip(s.columns()).collect();
                    self.fields(*r, &columns, len, place, mask);
                }
                None => self.wrong_type(array, mask, ty),
            },
            Ty::List(elem) => match array.data_type() {
                DataType::List(_) => self.list(elem, array.as_list::<i32>(), place, mask),
                DataType::LargeList(_) => self.list(elem, array.as_list::<i64>(), place, mask),
                _ => self.wrong_type(array, mask, ty),
            },
            Ty::Map(value) => match array.as_map_opt() {
                Some(map) => self.map(value, map, place, mask),
                None => self.wrong_type(array, mask, ty),
            },
            Ty::Codes(_) | Ty::Optional(_) | Ty::Entry(_) => self.wrong_type(array, mask, ty),
        }
    }

    fn wrong_type(&mut self, array: &dyn Array, mask: Mask, ty: &Ty) {
        let message = format!("expected {}, found Arrow type {}", json::describe(self.schema, ty), array.data_type());
        self.fail_all(array.len(), mask, None, &message);
    }

    fn bool(&mut self, array: &dyn Array, place: Place, mask: Mask, ty: &Ty) {
        let Some(values) = array.as_boolean_opt() else { return self.wrong_type(array, mask, ty) };
        for j in 0..values.len() {
            if active(mask, j) {
                self.put(place, j, &[u8::from(values.value(j))]);
            }
        }
    }

    fn int(&mut self, array: &dyn Array, place: Place, mask: Mask, ty: &Ty) {
        match array.data_type() {
            DataType::Int64 => self.ints::<Int64Type>(array, place, mask),
            DataType::Int32 => self.ints::<Int32Type>(array, place, mask),
            DataType::Int16 => self.ints::<Int16Type>(array, place, mask),
            DataType::Int8 => self.ints::<Int8Type>(array, place, mask),
            DataType::UInt32 => self.ints::<UInt32Type>(array, place, mask),
            DataType::UInt16 => self.ints::<UInt16Type>(array, place, mask),
            DataType::UInt8 => self.ints::<UInt8Type>(array, place, mask),
            DataType::UInt64 => {
                let values = array.as_primitive::<UInt64Type>().values();
                for (j, &v) in values.iter().enumerate() {
                    if !active(mask, j) {
                        continue;
                    }
                    match i64::try_from(v) {
                        Ok(i) => self.put(place, j, &i.to_le_bytes()),
                        Err(_) => self.fail(j, None, || format!("{v} does not fit in a 64-bit int")),
                    }
                }
            }
            _ => self.wrong_type(array, mask, ty),
        }
    }

    fn ints<T: ArrowPrimitiveType>(&mut self, array: &dyn Array, place: Place, mask: Mask)
    where
        T::Native: Into<i64>,
    {
        let values = array.as_primitive::<T>().values();
        if mask.is_none() && place.buf_is_records() && place.stride >= 8 {
            // The common case: every value, straight into the input area.
            for (j, &v) in values.iter().enumerate() {
                let at = place.at(j);
                if let Some(dst) = self.records.get_mut(at..at + 8) {
                    dst.copy_from_slice(&v.into().to_le_bytes());
                }
            }
            return;
        }
        for (j, &v) in values.iter().enumerate() {
            if active(mask, j) {
                self.put(place, j, &v.into().to_le_bytes());
            }
        }
    }

    /// A decimal column: `Decimal128` or `Decimal256` of any precision and scale, or integers,
    /// each value taken exactly as a count of millionths, as the JSON reader takes a number: a
    /// value with a nonzero digit past the sixth fractional place, or outside the range, fails
    /// with the JSON reader's message for that number (never rounded).
    fn decimal(&mut self, array: &dyn Array, place: Place, mask: Mask, ty: &Ty) {
        use crate::decimal::{self, ParseError};
        match array.data_type() {
            DataType::Decimal128(_, scale) => {
                let values = array.as_primitive::<arrow_array::types::Decimal128Type>();
                for (j, &v) in values.values().iter().enumerate() {
                    if active(mask, j) {
                        match millionths(v, *scale) {
                            Ok(units) => self.put(place, j, &units.to_le_bytes()),
                            Err(e) => self.fail(j, None, || e.message(&values.value_as_string(j))),
                        }
                    }
                }
            }
            DataType::Decimal256(_, scale) => {
                let values = array.as_primitive::<arrow_array::types::Decimal256Type>();
                for (j, &v) in values.values().iter().enumerate() {
                    if active(mask, j) {
                        // Beyond 128 bits a value is far outside the range in any scale that
                        // could bring it back (more than 38 digits of scale is refused too).
                        let units = v.to_i128().ok_or(ParseError::OutOfRange).and_then(|v| millionths(v, *scale));
                        match units {
                            Ok(units) => self.put(place, j, &units.to_le_bytes()),
                            Err(e) => self.fail(j, None, || e.message(&values.value_as_string(j))),
                        }
                    }
                }
            }
            DataType::Int64
            | DataType::Int32
            | DataType::Int16
            | DataType::Int8
            | DataType::UInt64
            | DataType::UInt32
            | DataType::UInt16
            | DataType::UInt8 => {
                let Ok(ints) = arrow_cast_ints(array) else { return self.wrong_type(array, mask, ty) };
                for (j, v) in ints.into_iter().enumerate() {
                    if active(mask, j) {
                        match v.and_then(|v| i64::try_from(v).ok()).and_then(decimal::from_int) {
                            Some(units) => self.put(place, j, &units.to_le_bytes()),
                            None => {
                                let text = v.map_or_else(String::new, |v| v.to_string());
                                self.fail(j, None, || ParseError::OutOfRange.message(&text));
                            }
                        }
                    }
                }
            }
            _ => self.wrong_type(array, mask, ty),
        }
    }

    fn date(&mut self, array: &dyn Array, place: Place, mask: Mask, ty: &Ty) {
        let out_of_range =
            |d: i64| format!("day {d} is not a valid date (days since 1970-01-01 between 0001-01-01 and 9999-12-31)");
        match array.data_type() {
            DataType::Date32 => {
                let values = array.as_primitive::<arrow_array::types::Date32Type>().values();
                for (j, &d) in values.iter().enumerate() {
                    if !active(mask, j) {
                        continue;
                    }
                    if (date::MIN_DAY..=date::MAX_DAY).contains(&d) {
                        self.put(place, j, &d.to_le_bytes());
                    } else {
                        self.fail(j, None, || out_of_range(i64::from(d)));
                    }
                }
            }
            DataType::Date64 => {
                const DAY_MS: i64 = 86_400_000;
                let values = array.as_primitive::<arrow_array::types::Date64Type>().values();
                for (j, &ms) in values.iter().enumerate() {
                    if !active(mask, j) {
                        continue;
                    }
                    let day = i32::try_from(ms.div_euclid(DAY_MS))
                        .ok()
                        .filter(|d| (date::MIN_DAY..=date::MAX_DAY).contains(d));
                    match day {
                        Some(d) if ms.rem_euclid(DAY_MS) == 0 => self.put(place, j, &d.to_le_bytes()),
                        Some(_) => self.fail(j, None, || format!("{ms} ms is not a whole day")),
                        None => self.fail(j, None, || out_of_range(ms.div_euclid(DAY_MS))),
                    }
                }
            }
            _ => match Strings::of(array) {
                Some(strings) => {
                    for j in 0..array.len() {
                        if !active(mask, j) {
                            continue;
                        }
                        let text = strings.get(j);
                        match date::parse(text) {
                            Some(d) => self.put(place, j, &d.to_le_bytes()),
                            None => self.fail(j, None, || {
                                format!(
                                    "{} is not a valid date (YYYY-MM-DD between 0001-01-01 and 9999-12-31)",
                                    json::quoted(text)
                                )
                            }),
                        }
                    }
                }
                None => self.wrong_type(array, mask, ty),
            },
        }
    }

    fn string(&mut self, array: &dyn Array, place: Place, mask: Mask, ty: &Ty) {
        match array.data_type() {
            DataType::Utf8 => self.utf8(array.as_string::<i32>(), place, mask),
            DataType::LargeUtf8 => self.utf8(array.as_string::<i64>(), place, mask),
            _ => match Strings::of(array) {
                Some(strings) => {
                    for j in 0..array.len() {
                        if active(mask, j) {
                            let text = strings.get(j);
                            self.string_value(text, place, j);
                        }
                    }
                }
                None => self.wrong_type(array, mask, ty),
            },
        }
    }

    /// A string column: its bytes copied once, each row pointing into them.
    fn utf8<O: OffsetSizeTrait>(&mut self, array: &arrow_array::GenericStringArray<O>, place: Place, mask: Mask) {
        let offsets = array.value_offsets();
        let (Some(first), Some(last)) = (offsets.first(), offsets.last()) else { return };
        let (first, last) = (first.as_usize(), last.as_usize());
        let bytes = array.values().get(first..last).unwrap_or_default();
        let Some(start) = self.reserve(bytes.len(), 1) else {
            // Too much text for one batch: each value alone, so that only some rows fail.
            for j in 0..array.len() {
                if active(mask, j) {
                    self.string_value(array.value(j), place, j);
                }
            }
            return;
        };
        if let Some(dst) = self.vars.get_mut(start..start + bytes.len()) {
            dst.copy_from_slice(bytes);
        }
        for (j, pair) in offsets.windows(2).enumerate() {
            if !active(mask, j) {
                continue;
            }
            let [from, to] = pair else { continue };
            let len = to.as_usize() - from.as_usize();
            if len == 0 {
                continue;
            }
            if len > MAX_STRING_BYTES {
                self.fail(j, None, || json::string_too_long(len));
                continue;
            }
            // `reserve` checked that the whole area fits in 32 bits.
            self.put_ref(place, j, (start + from.as_usize() - first) as u32, len as u32);
        }
    }

    fn string_value(&mut self, text: &str, place: Place, j: usize) {
        if text.is_empty() {
            return;
        }
        if text.len() > MAX_STRING_BYTES {
            return self.fail(j, None, || json::string_too_long(text.len()));
        }
        match self.reserve(text.len(), 1) {
            Some(start) => {
                if let Some(dst) = self.vars.get_mut(start..start + text.len()) {
                    dst.copy_from_slice(text.as_bytes());
                }
                self.put_ref(place, j, start as u32, text.len() as u32);
            }
            None => self.fail(j, None, || "does not fit in a batch (4 GiB of strings and lists)".into()),
        }
    }

    fn enumeration(&mut self, e: u32, array: &dyn Array, place: Place, mask: Mask, ty: &Ty) {
        let schema = self.schema;
        let Some(def) = schema.enum_def(e) else { return };
        let Some(strings) = Strings::of(array) else { return self.wrong_type(array, mask, ty) };
        let Some(names) = self.shape.variants(e) else { return };
        let wide = def.variants.len() > 256;
        // Each row is looked up through a loop made for its array type, without a dispatch per
        // row; a dictionary's distinct values are looked up once, then each row by its key.
        match &strings {
            Strings::Utf8(a) => self.variant_rows(names, wide, place, mask, a.len(), |j| a.value(j)),
            Strings::Large(a) => self.variant_rows(names, wide, place, mask, a.len(), |j| a.value(j)),
            Strings::View(a) => self.variant_rows(names, wide, place, mask, a.len(), |j| a.value(j)),
            Strings::Dict(keys, values) => {
                let by_key: Vec<Option<usize>> =
                    (0..values.len()).map(|k| names.find(values.get(k).as_bytes())).collect();
                for (j, &k) in keys.iter().enumerate() {
                    if active(mask, j) {
                        let found = by_key.get(k).copied().flatten();
                        self.put_variant(names, wide, place, j, found, || values.get(k));
                    }
                }
            }
        }
    }

    /// The variants of rows `0..len`, row `j`'s name being `get(j)`. For a large enum, whose
    /// lookup stops at the first match, the previous row's answer is tried first: runs of
    /// equal values are common in columnar data.
    fn variant_rows<'s>(
        &mut self,
        names: &VariantIndex,
        wide: bool,
        place: Place,
        mask: Mask,
        len: usize,
        get: impl Fn(usize) -> &'s str,
    ) {
        let runs = names.names().len() > 16;
        let mut last: Option<(&str, usize)> = None;
        for j in 0..len {
            if !active(mask, j) {
                continue;
            }
            let text = get(j);
            let found = match last {
                Some((prev, pos)) if runs && prev == text => Some(pos),
                _ => names.find(text.as_bytes()),
            };
            if runs {
                last = found.map(|pos| (text, pos)).or(last);
            }
            self.put_variant(names, wide, place, j, found, || text);
        }
    }

    /// Writes row `j`'s variant `found`, or fails the row naming the value `text()`.
    #[inline]
    fn put_variant<'s>(
        &mut self,
        names: &VariantIndex,
        wide: bool,
        place: Place,
        j: usize,
        found: Option<usize>,
        text: impl Fn() -> &'s str,
    ) {
        match found {
            Some(pos) if wide => self.put(place, j, &(pos as u32).to_le_bytes()),
            Some(pos) => self.put(place, j, &[pos as u8]),
            None => {
                let text = text();
                self.fail(j, None, || {
                    format!("unknown value {}, expected one of {}", json::quoted(text), names.names().join(", "))
                })
            }
        }
    }

    fn list<O: OffsetSizeTrait>(
        &mut self,
        elem: &'e Ty,
        array: &arrow_array::GenericListArray<O>,
        place: Place,
        mask: Mask,
    ) {
        let offsets = array.value_offsets();
        let (Some(first), Some(last)) = (offsets.first(), offsets.last()) else { return };
        let (first, last) = (first.as_usize(), last.as_usize());
        let total = last - first;
        let el = self.ty_layout(elem);
        let Some(region) = total.checked_mul(el.size as usize).and_then(|b| self.reserve(b, el.align as usize)) else {
            let message = "does not fit in a batch (4 GiB of strings and lists)";
            return self.fail_all(array.len(), mask, None, message);
        };
        let starts: Vec<usize> = offsets.iter().map(|o| o.as_usize() - first).collect();
        // Elements of lists that are not encoded (masked, null, too long) are skipped.
        let mut elements: Option<Vec<bool>> = None;
        for (j, pair) in starts.windows(2).enumerate() {
            let [from, to] = pair else { continue };
            let count = to - from;
            let take = active(mask, j) && count <= MAX_LIST_ITEMS;
            if active(mask, j) && count > MAX_LIST_ITEMS {
                self.fail(j, None, json::list_too_long);
            }
            if take && count > 0 {
                self.put_ref(place, j, (region + from * el.size as usize) as u32, count as u32);
            }
            if !take && count > 0 {
                let skip = elements.get_or_insert_with(|| vec![true; total]);
                for flag in skip.get_mut(*from..*to).unwrap_or_default() {
                    *flag = false;
                }
            }
        }
        let child = array.values().slice(first, total);
        self.frames.push(Frame::List(starts));
        let child_place = Place { buf: Buf::Vars, base: region, stride: el.size as usize };
        self.value(elem, child.as_ref(), child_place, elements.as_deref());
        self.frames.pop();
    }

    /// A map column (`Map<Utf8, T>` in any key string type): every map's entries in one
    /// region of the variable area, each entry's key copied and its value encoded in place,
    /// then each map's entries put in the order of their keys' bytes, as the layout requires.
    ///
    /// A map is rejected as the JSON reader rejects its object, which reads entries in order:
    /// a key over the string limit (at the map) or given a second time (at that entry), or
    /// more entries than the limit (at the map, after reading one entry past it). The values of
    /// the entries read before that point are encoded first, so that an error among them is the
    /// one reported, as in JSON.
    fn map(&mut self, value_ty: &'e Ty, array: &arrow_array::MapArray, place: Place, mask: Mask) {
        let offsets = array.value_offsets();
        let (Some(first), Some(last)) = (offsets.first(), offsets.last()) else { return };
        let (first, last) = (first.as_usize(), last.as_usize());
        let total = last - first;
        let keys_array = array.keys().slice(first, total);
        let Some(keys) = Strings::of(keys_array.as_ref()) else {
            let message = format!("expected string map keys, found Arrow type {}", keys_array.data_type());
            return self.fail_all(array.len(), mask, None, &message);
        };
        let el = crate::abi::entry_layout(self.ty_layout(value_ty)).unwrap_or(TyLayout { size: 8, align: 4 });
        let size = el.size as usize;
        let Some(region) = total.checked_mul(size).and_then(|b| self.reserve(b, el.align as usize)) else {
            let message = "does not fit in a batch (4 GiB of strings and lists)";
            return self.fail_all(array.len(), mask, None, message);
        };
        let starts: Vec<usize> = offsets.iter().map(|o| o.as_usize() - first).collect();
        // Entries whose values are not encoded (masked, null, past a map's problem).
        let mut entries: Option<Vec<bool>> = None;
        // Maps whose keys are good but out of order, with the order to put their entries in.
        let mut reorder: Vec<(usize, Vec<usize>)> = Vec::new();
        // Maps rejected once the values read before their problem are encoded.
        let mut rejected: Vec<(usize, KeyProblem)> = Vec::new();
        for (j, pair) in starts.windows(2).enumerate() {
            let [from, to] = *pair else { continue };
            let mut read = if active(mask, j) { to - from } else { 0 };
            if read > 0 {
                match self.map_keys(&keys, from, to, region, size) {
                    Ok(None) => self.put_ref(place, j, (region + from * size) as u32, (to - from) as u32),
                    Ok(Some(order)) => {
                        self.put_ref(place, j, (region + from * size) as u32, (to - from) as u32);
                        reorder.push((j, order));
                    }
                    Err((values_read, problem)) => {
                        read = values_read;
                        rejected.push((j, problem));
                    }
                }
            }
            if read < to - from {
                let skip = entries.get_or_insert_with(|| vec![true; total]);
                for flag in skip.get_mut(from + read..to).unwrap_or_default() {
                    *flag = false;
                }
            }
        }
        let values = array.values().slice(first, total);
        self.frames.push(Frame::Map(starts.clone(), keys_array.clone()));
        let value_place =
            Place { buf: Buf::Vars, base: region + crate::abi::ENTRY_VALUE_OFFSET as usize, stride: size };
        self.value(value_ty, values.as_ref(), value_place, entries.as_deref());
        self.frames.pop();
        for (j, problem) in rejected {
            match problem {
                KeyProblem::TooLong(len) => self.fail(j, None, || json::key_too_long(len)),
                KeyProblem::Twice(key) => {
                    self.frames.push(Frame::Key(key));
                    self.fail(j, None, || json::DUPLICATE_KEY.into());
                    self.frames.pop();
                }
                KeyProblem::TooMany => self.fail(j, None, json::map_too_long),
                KeyProblem::TooLarge => {
                    self.fail(j, None, || "does not fit in a batch (4 GiB of strings and lists)".into())
                }
            }
        }
        // Entries hold their key's reference and their value (whose own references are
        // absolute), so putting a map in key order moves whole entries.
        for (j, order) in reorder {
            let at = region + starts.get(j).copied().unwrap_or(0) * size;
            let Some(block) = self.vars.get(at..at + order.len() * size) else { continue };
            let sorted: Vec<u8> =
                order.iter().flat_map(|&i| block.get(i * size..(i + 1) * size).unwrap_or_default()).copied().collect();
            if let Some(dst) = self.vars.get_mut(at..at + sorted.len()) {
                dst.copy_from_slice(&sorted);
            }
        }
    }

    /// Checks the keys of one map (entries `from..to` of the column) as the JSON reader would
    /// meet them, copies them into the variable area and writes their references into the
    /// entries at `region`. Gives the order to put the entries in when they are out of order,
    /// or the map's problem and how many of its values the JSON reader reads before it.
    fn map_keys(
        &mut self,
        keys: &Strings,
        from: usize,
        to: usize,
        region: usize,
        size: usize,
    ) -> Result<Option<Vec<usize>>, (usize, KeyProblem)> {
        // The JSON reader fails after reading the value of the entry one past the limit.
        let seen = (to - from).min(MAX_LIST_ITEMS + 1);
        let too_long = (0..seen).find(|&i| keys.get(from + i).len() > MAX_STRING_BYTES);
        let considered = too_long.unwrap_or(seen);
        let in_order = (1..considered).all(|i| keys.get(from + i - 1).as_bytes() < keys.get(from + i).as_bytes());
        let order = if in_order {
            None
        } else {
            // A stable sort keeps equal keys in input order, so the second of each run of equal
            // keys is where the JSON reader meets that key again; the first such entry counts.
            let mut order: Vec<usize> = (0..considered).collect();
            order.sort_by(|&a, &b| keys.get(from + a).as_bytes().cmp(keys.get(from + b).as_bytes()));
            let twice = order
                .windows(2)
                .filter(|w| matches!(w, [a, b] if keys.get(from + a) == keys.get(from + b)))
                .filter_map(|w| w.get(1).copied())
                .min();
            if let Some(i) = twice {
                return Err((i, KeyProblem::Twice(keys.get(from + i).to_string())));
            }
            Some(order)
        };
        if let Some(i) = too_long {
            return Err((i, KeyProblem::TooLong(keys.get(from + i).len())));
        }
        if to - from > MAX_LIST_ITEMS {
            return Err((MAX_LIST_ITEMS + 1, KeyProblem::TooMany));
        }
        let entry = Place { buf: Buf::Vars, base: region, stride: size };
        for i in from..to {
            let key = keys.get(i);
            if key.is_empty() {
                continue;
            }
            let Some(start) = self.reserve(key.len(), 1) else { return Err((0, KeyProblem::TooLarge)) };
            if let Some(dst) = self.vars.get_mut(start..start + key.len()) {
                dst.copy_from_slice(key.as_bytes());
            }
            self.put_ref(entry, i, start as u32, key.len() as u32);
        }
        Ok(order)
    }
}

/// Why a map is rejected.
enum KeyProblem {
    /// A key longer than the string limit, of this many bytes.
    TooLong(usize),
    /// This key comes twice (the reported entry is its second).
    Twice(String),
    /// More entries than the limit.
    TooMany,
    /// The variable area would pass 4 GiB.
    TooLarge,
}

impl Place {
    fn buf_is_records(&self) -> bool {
        matches!(self.buf, Buf::Records)
    }
}

/// A column of text in any of the string types Arrow has, read value by value.
pub(crate) enum Strings<'a> {
    Utf8(&'a arrow_array::StringArray),
    Large(&'a arrow_array::LargeStringArray),
    View(&'a arrow_array::StringViewArray),
    /// Dictionary keys (as indices) into string values.
    Dict(Vec<usize>, Box<Strings<'a>>),
}

impl<'a> Strings<'a> {
    pub(crate) fn of(array: &'a dyn Array) -> Option<Strings<'a>> {
        Some(match array.data_type() {
            DataType::Utf8 => Strings::Utf8(array.as_string::<i32>()),
            DataType::LargeUtf8 => Strings::Large(array.as_string::<i64>()),
            DataType::Utf8View => Strings::View(array.as_string_view()),
            DataType::Dictionary(key, _) => {
                let (keys, values) = match **key {
                    DataType::Int8 => dict::<Int8Type>(array)?,
                    DataType::Int16 => dict::<Int16Type>(array)?,
                    DataType::Int32 => dict::<Int32Type>(array)?,
                    DataType::Int64 => dict::<Int64Type>(array)?,
                    DataType::UInt8 => dict::<UInt8Type>(array)?,
                    DataType::UInt16 => dict::<UInt16Type>(array)?,
                    DataType::UInt32 => dict::<UInt32Type>(array)?,
                    DataType::UInt64 => dict::<UInt64Type>(array)?,
                    _ => return None,
                };
                let values = Strings::of(values)?;
                if matches!(values, Strings::Dict(..)) {
                    return None;
                }
                Strings::Dict(keys, Box::new(values))
            }
            _ => return None,
        })
    }

    /// The number of values (for a dictionary, of its keys).
    pub(crate) fn len(&self) -> usize {
        match self {
            Strings::Utf8(a) => a.len(),
            Strings::Large(a) => a.len(),
            Strings::View(a) => a.len(),
            Strings::Dict(keys, _) => keys.len(),
        }
    }

    /// Value `j` (the empty string for a null or a key out of range: callers skip nulls).
    #[inline]
    pub(crate) fn get(&self, j: usize) -> &'a str {
        match self {
            Strings::Utf8(a) => {
                if j < a.len() {
                    a.value(j)
                } else {
                    ""
                }
            }
            Strings::Large(a) => {
                if j < a.len() {
                    a.value(j)
                } else {
                    ""
                }
            }
            Strings::View(a) => {
                if j < a.len() {
                    a.value(j)
                } else {
                    ""
                }
            }
            Strings::Dict(keys, values) => match keys.get(j) {
                Some(&k) => values.get(k),
                None => "",
            },
        }
    }
}

fn dict<K: arrow_array::types::ArrowDictionaryKeyType>(array: &dyn Array) -> Option<(Vec<usize>, &dyn Array)> {
    let d = array.as_dictionary_opt::<K>()?;
    let n = d.values().len();
    let keys = d.keys().values().iter().map(|k| k.as_usize()).map(|k| if k < n { k } else { usize::MAX }).collect();
    Some((keys, d.values().as_ref()))
}

/// A decimal of Arrow `scale` (digits after the point; negative: zeros before it) as a count of
/// millionths, exactly.
fn millionths(value: i128, scale: i8) -> Result<i64, crate::decimal::ParseError> {
    use crate::decimal::{ParseError, SCALE};
    let shift = i32::try_from(SCALE).unwrap_or(6) - i32::from(scale);
    let units = if shift >= 0 {
        10i128.checked_pow(shift.unsigned_abs()).and_then(|f| value.checked_mul(f)).ok_or(ParseError::OutOfRange)?
    } else {
        match 10i128.checked_pow(shift.unsigned_abs()) {
            Some(f) if value % f != 0 => return Err(ParseError::TooPrecise),
            Some(f) => value / f,
            // A scale beyond 44 digits: only zero is exact.
            None if value == 0 => 0,
            None => return Err(ParseError::TooPrecise),
        }
    };
    i64::try_from(units).map_err(|_| ParseError::OutOfRange)
}

/// The values of an integer column of any width as `i128`s (`None` for a null).
fn arrow_cast_ints(array: &dyn Array) -> Result<Vec<Option<i128>>, ()> {
    fn all<T: ArrowPrimitiveType>(array: &dyn Array) -> Vec<Option<i128>>
    where
        T::Native: Into<i128>,
    {
        array.as_primitive::<T>().iter().map(|v| v.map(Into::into)).collect()
    }
    Ok(match array.data_type() {
        DataType::Int64 => all::<Int64Type>(array),
        DataType::Int32 => all::<Int32Type>(array),
        DataType::Int16 => all::<Int16Type>(array),
        DataType::Int8 => all::<Int8Type>(array),
        DataType::UInt64 => all::<UInt64Type>(array),
        DataType::UInt32 => all::<UInt32Type>(array),
        DataType::UInt16 => all::<UInt16Type>(array),
        DataType::UInt8 => all::<UInt8Type>(array),
        _ => return Err(()),
    })
}
