//! Decision slots straight into Arrow columns, a column at a time, batch after batch.
//!
//! [`DecisionColumns`] holds one growing column per field of the decision batch. Each call to
//! [`DecisionColumns::append`] adds the rows of one evaluated batch: every column is filled for
//! all of those rows before the next (a list column gathers the positions of all its elements
//! and fills its child column with them in one call). The bytes come from an untrusted guest,
//! so every read is checked as in [`crate::decode`]: references lie inside the variable area,
//! bools are 0 or 1, enum indices and code bits exist, dates are in range, text is UTF-8.

use super::schema::{decision_schema, separate_key};
use super::ArrowSchemaError;
use crate::abi::Shape;
use crate::date;
use crate::decode::MAX_DEPTH;
use crate::json::RecordError;
use crate::schema::{Schema, Ty};
use arrow_array::{
    ArrayRef, BooleanArray, Date32Array, Decimal128Array, Int64Array, ListArray, MapArray, RecordBatch, StringArray,
    StructArray,
};
use arrow_buffer::{BooleanBufferBuilder, Buffer, NullBufferBuilder, OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field, FieldRef, SchemaRef};
use std::sync::Arc;

/// One row of an evaluated batch, as [`DecisionColumns::append`] takes it.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    /// Where the row's decision record lies in the fixed area, when it was decided.
    pub decision: Option<usize>,
    /// The row's key from the input, when the policy has one and the input holds it.
    pub key: Option<&'a str>,
    /// Why the row was not decided.
    pub error: Option<&'a RecordError>,
}

/// The columns of a decision batch under construction.
#[derive(Debug)]
pub struct DecisionColumns {
    shape: Arc<Shape>,
    schema: SchemaRef,
    /// The separate key column, first in the batch.
    key: Option<Text>,
    /// The output field that carries the key, filled from the input for rejected rows.
    merged_key: Option<usize>,
    columns: Vec<Col>,
    error_path: Text,
    error_message: Text,
    error_nulls: NullBufferBuilder,
    rows: usize,
}

impl DecisionColumns {
    /// Empty columns for the decisions of `shape`'s policy.
    pub fn new(shape: Arc<Shape>) -> Result<DecisionColumns, ArrowSchemaError> {
        let schema = decision_schema(shape.schema())?;
        let policy = shape.schema();
        let output = policy.record(policy.output).map(|r| r.fields.as_slice()).unwrap_or_default();
        let key = separate_key(policy).map(|_| Text::default());
        let merged_key = match (key.is_none(), policy.key_name()) {
            (true, Some(name)) => output.iter().position(|f| {
                f.name == name && matches!(&f.ty, Ty::String | Ty::Optional(_) if strip(&f.ty) == &Ty::String)
            }),
            _ => None,
        };
        let columns = output.iter().map(|f| Col::new(policy, &f.ty)).collect();
        Ok(DecisionColumns {
            shape,
            schema,
            key,
            merged_key,
            columns,
            error_path: Text::default(),
            error_message: Text::default(),
            error_nulls: NullBufferBuilder::new(0),
            rows: 0,
        })
    }

    /// Appends `rows`, whose decisions lie in `fixed` and refer to `vars`.
    pub fn append(&mut self, fixed: &[u8], vars: &[u8], rows: &[Row]) -> Result<(), String> {
        let policy = self.shape.schema();
        let layout = self.shape.layout().record(policy.output).map(|r| r.fields.as_slice()).unwrap_or_default();
        let fields = policy.record(policy.output).map(|r| r.fields.as_slice()).unwrap_or_default();
        let mut reader = Reader { shape: &self.shape, vars, budget: vars.len().saturating_add(1 << 20), depth: 0 };
        if let Some(key) = &mut self.key {
            for row in rows {
                key.push_opt(row.key.map(str::as_bytes));
            }
        }
        let mut positions: Vec<Option<usize>> = Vec::with_capacity(rows.len());
        for (i, ((field, place), col)) in fields.iter().zip(layout).zip(&mut self.columns).enumerate() {
            positions.clear();
            positions.extend(rows.iter().map(|r| r.decision.map(|at| at + place.offset as usize)));
            if self.merged_key == Some(i) {
                // Rejected rows keep their key here, as the NDJSON error line does.
                for (row, at) in rows.iter().zip(&positions) {
                    match (at, col.text_mut()) {
                        (None, Some(text)) => text.push_opt(row.key.map(str::as_bytes)),
                        _ => col.append(&field.ty, &mut reader, fixed, std::slice::from_ref(at))?,
                    }
                }
            } else {
                col.append(&field.ty, &mut reader, fixed, &positions)?;
            }
        }
        for row in rows {
            match row.error {
                Some(e) => {
                    self.error_path.push(e.path.as_bytes());
                    self.error_message.push(e.message.as_bytes());
                    self.error_nulls.append_non_null();
                }
                None => {
                    self.error_path.push(b"");
                    self.error_message.push(b"");
                    self.error_nulls.append_null();
                }
            }
        }
        self.rows += rows.len();
        Ok(())
    }

    /// The batch of every row appended so far; the columns are empty again afterwards.
    pub fn finish(&mut self) -> Result<RecordBatch, String> {
        let fields = self.schema.fields().clone();
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(fields.len());
        let mut at = 0;
        if let Some(key) = &mut self.key {
            arrays.push(Arc::new(key.finish_strings(None)?));
            at += 1;
        }
        for col in &mut self.columns {
            let field = fields.get(at).ok_or("the decision schema has fewer columns than the decision")?;
            arrays.push(col.finish(field)?);
            at += 1;
        }
        let error = fields.get(at).ok_or("the decision schema has no error column")?;
        let DataType::Struct(children) = error.data_type() else {
            return Err("the error column is not a struct".into());
        };
        let parts: Vec<ArrayRef> =
            vec![Arc::new(self.error_path.finish_strings(None)?), Arc::new(self.error_message.finish_strings(None)?)];
        let error =
            StructArray::try_new(children.clone(), parts, self.error_nulls.finish()).map_err(|e| e.to_string())?;
        arrays.push(Arc::new(error));
        self.rows = 0;
        RecordBatch::try_new(self.schema.clone(), arrays).map_err(|e| e.to_string())
    }
}

fn strip(mut ty: &Ty) -> &Ty {
    while let Ty::Optional(inner) = ty {
        ty = inner;
    }
    ty
}

/// Strings under construction: offsets and bytes.
#[derive(Debug)]
struct Text {
    offsets: Vec<i32>,
    bytes: Vec<u8>,
    nulls: NullBufferBuilder,
}

impl Default for Text {
    fn default() -> Self {
        Text { offsets: vec![0], bytes: Vec::new(), nulls: NullBufferBuilder::new(0) }
    }
}

impl Text {
    fn push(&mut self, bytes: &[u8]) {
        self.bytes.extend_from_slice(bytes);
        self.offsets.push(i32::try_from(self.bytes.len()).unwrap_or(i32::MAX));
        self.nulls.append_non_null();
    }

    fn push_null(&mut self) {
        self.offsets.push(i32::try_from(self.bytes.len()).unwrap_or(i32::MAX));
        self.nulls.append_null();
    }

    fn push_opt(&mut self, bytes: Option<&[u8]>) {
        match bytes {
            Some(b) => self.push(b),
            None => self.push_null(),
        }
    }

    /// The strings so far, with `nulls` instead of the text's own when given.
    fn finish_strings(&mut self, nulls: Option<arrow_buffer::NullBuffer>) -> Result<StringArray, String> {
        if i32::try_from(self.bytes.len()).is_err() {
            return Err("more than 2 GiB of text in one decision column".into());
        }
        let offsets = offsets_sized(&mut self.offsets);
        let bytes = take_sized(&mut self.bytes);
        let own = self.nulls.finish();
        let offsets = OffsetBuffer::new(ScalarBuffer::from(offsets));
        StringArray::try_new(offsets, Buffer::from_vec(bytes), nulls.or(own)).map_err(|e| e.to_string())
    }

    /// The number of strings pushed so far.
    fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }
}

/// One decision column under construction, for a type without its optional wrapper.
#[derive(Debug)]
enum Col {
    Bool(BooleanBufferBuilder, NullBufferBuilder),
    Int(Vec<i64>, NullBufferBuilder),
    /// Decimals, as counts of millionths.
    Decimal(Vec<i64>, NullBufferBuilder),
    Date(Vec<i32>, NullBufferBuilder),
    /// Strings and enums (by name).
    Text(Text),
    /// Codes: a list of strings, the codes that apply.
    Codes(Vec<i32>, Text, NullBufferBuilder),
    List(Vec<i32>, Box<Col>, NullBufferBuilder),
    /// A map: entry offsets, the entries' keys and values.
    Map(Vec<i32>, Text, Box<Col>, NullBufferBuilder),
    Struct(Vec<Col>, NullBufferBuilder),
}

struct Reader<'r> {
    shape: &'r Shape,
    vars: &'r [u8],
    /// List elements that may still be visited: a hostile decision can make lists overlap.
    budget: usize,
    depth: usize,
}

impl Reader<'_> {
    fn array<const N: usize>(data: &[u8], at: usize) -> Result<[u8; N], String> {
        at.checked_add(N)
            .and_then(|end| data.get(at..end))
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| format!("bytes {at}..+{N} lie outside their area"))
    }

    fn reference(data: &[u8], at: usize) -> Result<(usize, usize), String> {
        let pair = u64::from_le_bytes(Self::array(data, at)?);
        Ok(((pair & 0xffff_ffff) as usize, (pair >> 32) as usize))
    }

    fn text(&self, data: &[u8], at: usize) -> Result<&[u8], String> {
        let (offset, len) = Self::reference(data, at)?;
        if len == 0 {
            return Ok(&[]);
        }
        let bytes = offset.checked_add(len).and_then(|end| self.vars.get(offset..end));
        let bytes = bytes.ok_or_else(|| format!("string at {offset}..+{len} lies outside the variable area"))?;
        std::str::from_utf8(bytes).map_err(|_| "string is not UTF-8".to_string())?;
        Ok(bytes)
    }
}

impl Col {
    fn new(schema: &Schema, ty: &Ty) -> Col {
        let nulls = || NullBufferBuilder::new(0);
        match strip(ty) {
            Ty::Bool => Col::Bool(BooleanBufferBuilder::new(0), nulls()),
            Ty::Int => Col::Int(Vec::new(), nulls()),
            Ty::Decimal => Col::Decimal(Vec::new(), nulls()),
            Ty::Date => Col::Date(Vec::new(), nulls()),
            Ty::String | Ty::Enum(_) => Col::Text(Text::default()),
            Ty::Codes(_) => Col::Codes(vec![0], Text::default(), nulls()),
            Ty::List(elem) => Col::List(vec![0], Box::new(Col::new(schema, elem)), nulls()),
            Ty::Record(r) => {
                let fields = schema.record(*r).map(|d| d.fields.as_slice()).unwrap_or_default();
                Col::Struct(fields.iter().map(|f| Col::new(schema, &f.ty)).collect(), nulls())
            }
            Ty::Map(value) => Col::Map(vec![0], Text::default(), Box::new(Col::new(schema, value)), nulls()),
            // Never built: `strip` removed the optionals, and entries are not schema types.
            Ty::Optional(_) | Ty::Entry(_) => Col::Text(Text::default()),
        }
    }

    fn text_mut(&mut self) -> Option<&mut Text> {
        match self {
            Col::Text(t) => Some(t),
            _ => None,
        }
    }

    /// Appends the values of type `ty` at `positions` of `data` (`None`: a null).
    fn append(&mut self, ty: &Ty, r: &mut Reader, data: &[u8], positions: &[Option<usize>]) -> Result<(), String> {
        if let Ty::Optional(inner) = ty {
            let offset = r.shape.layout().optional_value_offset(inner).ok_or("type has no layout")? as usize;
            let mut present = Vec::with_capacity(positions.len());
            for at in positions {
                present.push(match at {
                    None => None,
                    Some(at) => match Reader::array::<1>(data, *at)? {
                        [0] => None,
                        [1] => Some(at + offset),
                        [t] => return Err(format!("optional tag is {t}")),
                    },
                });
            }
            return self.append(inner, r, data, &present);
        }
        let schema = r.shape.schema();
        match (self, ty) {
            (Col::Bool(values, nulls), Ty::Bool) => {
                for at in positions {
                    let v = match at {
                        None => None,
                        Some(at) => match Reader::array::<1>(data, *at)? {
                            [0] => Some(false),
                            [1] => Some(true),
                            [b] => return Err(format!("bool byte is {b}")),
                        },
                    };
                    values.append(v.unwrap_or(false));
                    nulls.append(v.is_some());
                }
            }
            (Col::Int(values, nulls), Ty::Int) => {
                for at in positions {
                    let v = at.map(|at| Reader::array::<8>(data, at).map(i64::from_le_bytes)).transpose()?;
                    values.push(v.unwrap_or(0));
                    nulls.append(v.is_some());
                }
            }
            (Col::Decimal(values, nulls), Ty::Decimal) => {
                for at in positions {
                    let v = at.map(|at| Reader::array::<8>(data, at).map(i64::from_le_bytes)).transpose()?;
                    values.push(v.unwrap_or(0));
                    nulls.append(v.is_some());
                }
            }
            (Col::Date(values, nulls), Ty::Date) => {
                for at in positions {
                    let v = at.map(|at| Reader::array::<4>(data, at).map(i32::from_le_bytes)).transpose()?;
                    if let Some(d) = v.filter(|d| !(date::MIN_DAY..=date::MAX_DAY).contains(d)) {
                        return Err(format!("date day number {d} is out of range"));
                    }
                    values.push(v.unwrap_or(0));
                    nulls.append(v.is_some());
                }
            }
            (Col::Text(text), Ty::String) => {
                for at in positions {
                    match at {
                        Some(at) => text.push(r.text(data, *at)?),
                        None => text.push_null(),
                    }
                }
            }
            (Col::Text(text), Ty::Enum(e)) => {
                let def = schema.enum_def(*e).ok_or("unknown enum")?;
                let wide = def.variants.len() > 256;
                for at in positions {
                    let Some(at) = at else {
                        text.push_null();
                        continue;
                    };
                    let v = if wide {
                        u32::from_le_bytes(Reader::array(data, *at)?) as usize
                    } else {
                        usize::from(Reader::array::<1>(data, *at)?[0])
                    };
                    let name = def.variants.get(v).ok_or_else(|| format!("enum `{}` has no variant {v}", def.name))?;
                    text.push(name.as_bytes());
                }
            }
            (Col::Codes(offsets, items, nulls), Ty::Codes(g)) => {
                let group = schema.group(*g).ok_or("unknown group")?;
                let n = group.codes.len();
                for at in positions {
                    if let Some(at) = at {
                        let bits = u64::from_le_bytes(Reader::array(data, *at)?);
                        if n < 64 && bits >> n != 0 {
                            return Err(format!(
                                "codes of `{}` set bit {} of {n}",
                                group.name,
                                63 - bits.leading_zeros()
                            ));
                        }
                        for (i, code) in group.codes.iter().enumerate() {
                            if bits & (1u64 << i) != 0 {
                                items.push(code.code.as_bytes());
                            }
                        }
                    }
                    offsets.push(i32::try_from(items.len()).map_err(|_| "too many codes")?);
                    nulls.append(at.is_some());
                }
            }
            (Col::List(offsets, child, nulls), Ty::List(elem)) => {
                let size = r.shape.layout().ty(elem).ok_or("type has no layout")?.size as usize;
                let mut elements: Vec<Option<usize>> = Vec::new();
                let base = offsets.last().copied().unwrap_or(0) as usize;
                for at in positions {
                    if let Some(at) = at {
                        let (offset, count) = Reader::reference(data, *at)?;
                        if count > r.budget {
                            return Err("lists hold more elements than the variable area can".into());
                        }
                        r.budget -= count;
                        let end = count.checked_mul(size).and_then(|b| b.checked_add(offset));
                        if count > 0 && end.is_none_or(|end| end > r.vars.len()) {
                            return Err(format!("list of {count} at {offset} lies outside the variable area"));
                        }
                        elements.extend((0..count).map(|i| Some(offset + i * size)));
                    }
                    let len = base + elements.len();
                    offsets.push(i32::try_from(len).map_err(|_| "too many list elements")?);
                    nulls.append(at.is_some());
                }
                r.depth += 1;
                if r.depth > MAX_DEPTH {
                    return Err(format!("nested deeper than {MAX_DEPTH} levels"));
                }
                let vars = r.vars;
                child.append(elem, r, vars, &elements)?;
                r.depth -= 1;
            }
            (Col::Map(offsets, keys, child, nulls), Ty::Map(value)) => {
                let value_layout = r.shape.layout().ty(value).ok_or("type has no layout")?;
                let size = crate::abi::entry_layout(value_layout).ok_or("type has no layout")?.size as usize;
                let mut values: Vec<Option<usize>> = Vec::new();
                let base = offsets.last().copied().unwrap_or(0) as usize;
                let vars = r.vars;
                for at in positions {
                    if let Some(at) = at {
                        let (offset, count) = Reader::reference(data, *at)?;
                        if count > r.budget {
                            return Err("maps hold more entries than the variable area can".into());
                        }
                        r.budget -= count;
                        let end = count.checked_mul(size).and_then(|b| b.checked_add(offset));
                        if count > 0 && end.is_none_or(|end| end > vars.len()) {
                            return Err(format!("map of {count} at {offset} lies outside the variable area"));
                        }
                        let mut previous: Option<&[u8]> = None;
                        for i in 0..count {
                            let entry = offset + i * size;
                            let key = r.text(vars, entry)?;
                            if previous.is_some_and(|p| p >= key) {
                                return Err("map keys are not in strictly increasing order".into());
                            }
                            previous = Some(key);
                            keys.push(key);
                            values.push(Some(entry + crate::abi::ENTRY_VALUE_OFFSET as usize));
                        }
                    }
                    let len = base + values.len();
                    offsets.push(i32::try_from(len).map_err(|_| "too many map entries")?);
                    nulls.append(at.is_some());
                }
                r.depth += 1;
                if r.depth > MAX_DEPTH {
                    return Err(format!("nested deeper than {MAX_DEPTH} levels"));
                }
                child.append(value, r, vars, &values)?;
                r.depth -= 1;
            }
            (Col::Struct(children, nulls), Ty::Record(rec)) => {
                let def = schema.record(*rec).ok_or("unknown record")?;
                let layout = r.shape.layout().record(*rec).ok_or("unknown record")?;
                let mut inner = Vec::with_capacity(positions.len());
                for (child, (field, place)) in children.iter_mut().zip(def.fields.iter().zip(&layout.fields)) {
                    inner.clear();
                    inner.extend(positions.iter().map(|at| at.map(|at| at + place.offset as usize)));
                    child.append(&field.ty, r, data, &inner)?;
                }
                for at in positions {
                    nulls.append(at.is_some());
                }
            }
            _ => return Err("a decision column does not match its type".into()),
        }
        Ok(())
    }

    fn finish(&mut self, field: &Field) -> Result<ArrayRef, String> {
        let err = |e: arrow_schema::ArrowError| e.to_string();
        Ok(match self {
            Col::Bool(values, nulls) => Arc::new(BooleanArray::new(values.finish(), nulls.finish())),
            Col::Int(values, nulls) => {
                Arc::new(Int64Array::new(ScalarBuffer::from(take_sized(values)), nulls.finish()))
            }
            Col::Decimal(values, nulls) => {
                let values: Vec<i128> = take_sized(values).into_iter().map(i128::from).collect();
                let array = Decimal128Array::new(ScalarBuffer::from(values), nulls.finish())
                    .with_precision_and_scale(super::schema::DECIMAL_PRECISION, crate::decimal::SCALE as i8)
                    .map_err(err)?;
                Arc::new(array)
            }
            Col::Date(values, nulls) => {
                Arc::new(Date32Array::new(ScalarBuffer::from(take_sized(values)), nulls.finish()))
            }
            Col::Text(text) => Arc::new(text.finish_strings(None)?),
            Col::Codes(offsets, items, nulls) => {
                let item = list_item(field)?;
                let offsets = OffsetBuffer::new(ScalarBuffer::from(offsets_sized(offsets)));
                let values: ArrayRef = Arc::new(items.finish_strings(None)?);
                Arc::new(ListArray::try_new(item, offsets, values, nulls.finish()).map_err(err)?)
            }
            Col::List(offsets, child, nulls) => {
                let item = list_item(field)?;
                let values = child.finish(&item)?;
                let offsets = OffsetBuffer::new(ScalarBuffer::from(offsets_sized(offsets)));
                Arc::new(ListArray::try_new(item, offsets, values, nulls.finish()).map_err(err)?)
            }
            Col::Map(offsets, keys, child, nulls) => {
                let DataType::Map(entries, sorted) = field.data_type() else {
                    return Err(format!("field `{}` is not a map", field.name()));
                };
                let DataType::Struct(parts) = entries.data_type() else {
                    return Err("map entries are not a struct".into());
                };
                let value_field = parts.get(1).ok_or("map entries have no value")?;
                let parts_arrays: Vec<ArrayRef> =
                    vec![Arc::new(keys.finish_strings(None)?), child.finish(value_field)?];
                let entries_array = StructArray::try_new(parts.clone(), parts_arrays, None).map_err(err)?;
                let offsets = OffsetBuffer::new(ScalarBuffer::from(offsets_sized(offsets)));
                Arc::new(
                    MapArray::try_new(entries.clone(), offsets, entries_array, nulls.finish(), *sorted).map_err(err)?,
                )
            }
            Col::Struct(children, nulls) => {
                let DataType::Struct(fields) = field.data_type() else { return Err("not a struct field".into()) };
                let arrays =
                    children.iter_mut().zip(fields.iter()).map(|(c, f)| c.finish(f)).collect::<Result<Vec<_>, _>>()?;
                Arc::new(StructArray::try_new(fields.clone(), arrays, nulls.finish()).map_err(err)?)
            }
        })
    }
}

/// The values gathered so far, leaving an empty vector with room for as many: the batches of
/// a stream are mostly the same size, so the next one does not grow its vectors by doubling.
fn take_sized<T>(values: &mut Vec<T>) -> Vec<T> {
    let room = values.len();
    std::mem::replace(values, Vec::with_capacity(room))
}

/// [`take_sized`] for offsets, which start again at `[0]`.
fn offsets_sized(offsets: &mut Vec<i32>) -> Vec<i32> {
    let taken = take_sized(offsets);
    offsets.push(0);
    taken
}

fn list_item(field: &Field) -> Result<FieldRef, String> {
    match field.data_type() {
        DataType::List(item) => Ok(item.clone()),
        _ => Err(format!("field `{}` is not a list", field.name())),
    }
}
