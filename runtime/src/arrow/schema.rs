//! The Arrow schemas of a policy's input and decisions, derived from its [`Schema`].

use super::ArrowSchemaError;
use crate::schema::{Schema, Ty};
use arrow_schema::{DataType, Field, Fields, Schema as ArrowSchema, SchemaRef};
use std::sync::Arc;

/// The name of the decision batch's error column.
pub const ERROR_COLUMN: &str = "error";

/// The Arrow schema of the policy's input record: one column per input field, in declaration
/// order. Fails when a record contains itself through a list, which no Arrow type can express.
pub fn input_schema(schema: &Schema) -> Result<SchemaRef, ArrowSchemaError> {
    let input =
        schema.record(schema.input).ok_or_else(|| ArrowSchemaError("the input record does not exist".into()))?;
    let mut stack = vec![schema.input];
    let fields =
        input.fields.iter().map(|f| field(schema, &f.name, &f.ty, false, &mut stack)).collect::<Result<Vec<_>, _>>()?;
    Ok(Arc::new(ArrowSchema::new(fields)))
}

/// The Arrow schema of a batch of decisions: the key column when the policy has a key field
/// that its output does not repeat, the output record's fields (all nullable), and the
/// [`ERROR_COLUMN`]. See the [module documentation](super) for what each row holds.
pub fn decision_schema(schema: &Schema) -> Result<SchemaRef, ArrowSchemaError> {
    let output =
        schema.record(schema.output).ok_or_else(|| ArrowSchemaError("the output record does not exist".into()))?;
    let mut fields = Vec::with_capacity(output.fields.len() + 2);
    if let Some(key) = separate_key(schema) {
        fields.push(Field::new(key, DataType::Utf8, true));
    }
    let mut stack = vec![schema.output];
    for f in &output.fields {
        if f.name == ERROR_COLUMN {
            return Err(ArrowSchemaError(format!(
                "the decision has a field named `{ERROR_COLUMN}`, the name of the column of errors"
            )));
        }
        fields.push(field(schema, &f.name, &f.ty, true, &mut stack)?);
    }
    fields.push(error_field());
    Ok(Arc::new(ArrowSchema::new(fields)))
}

/// The name of the key column a decision batch has before the output's fields: the key field's
/// name, when the policy has a string key and the output has no field of that name.
pub(crate) fn separate_key(schema: &Schema) -> Option<&str> {
    let name = schema.key_name()?;
    let output = schema.record(schema.output)?;
    (!output.fields.iter().any(|f| f.name == name)).then_some(name)
}

/// The type of the error column.
pub(crate) fn error_field() -> Field {
    let fields =
        Fields::from(vec![Field::new("path", DataType::Utf8, false), Field::new("message", DataType::Utf8, false)]);
    Field::new(ERROR_COLUMN, DataType::Struct(fields), true)
}

/// The field `name` of type `ty`; `nullable` when it may hold nulls even if not optional.
fn field(
    schema: &Schema,
    name: &str,
    ty: &Ty,
    nullable: bool,
    stack: &mut Vec<u32>,
) -> Result<Field, ArrowSchemaError> {
    let (ty, optional) = match ty {
        Ty::Optional(inner) => (strip_optional(inner), true),
        other => (other, false),
    };
    Ok(Field::new(name, data_type(schema, ty, stack)?, nullable || optional))
}

fn strip_optional(mut ty: &Ty) -> &Ty {
    while let Ty::Optional(inner) = ty {
        ty = inner;
    }
    ty
}

/// The Arrow type values of `ty` are written as.
pub(crate) fn data_type(schema: &Schema, ty: &Ty, stack: &mut Vec<u32>) -> Result<DataType, ArrowSchemaError> {
    Ok(match ty {
        Ty::Bool => DataType::Boolean,
        Ty::Int => DataType::Int64,
        Ty::Decimal => DataType::Decimal128(DECIMAL_PRECISION, crate::decimal::SCALE as i8),
        Ty::Date => DataType::Date32,
        Ty::String | Ty::Enum(_) => DataType::Utf8,
        Ty::Codes(_) => DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, false))),
        Ty::Optional(inner) => data_type(schema, strip_optional(inner), stack)?,
        Ty::List(elem) => {
            let nullable = matches!(**elem, Ty::Optional(_));
            let item = Field::new_list_field(data_type(schema, elem, stack)?, nullable);
            DataType::List(Arc::new(item))
        }
        Ty::Map(value) => DataType::Map(Arc::new(map_entries(data_type(schema, value, stack)?, value)), false),
        Ty::Entry(_) => return Err(ArrowSchemaError("a map entry is not a schema type".into())),
        Ty::Record(r) => {
            let def = schema.record(*r).ok_or_else(|| ArrowSchemaError(format!("record {r} does not exist")))?;
            if stack.contains(r) {
                return Err(ArrowSchemaError(format!(
                    "record `{}` contains itself through a list, which has no Arrow type",
                    def.name
                )));
            }
            stack.push(*r);
            let fields = def
                .fields
                .iter()
                .map(|f| field(schema, &f.name, &f.ty, false, stack))
                .collect::<Result<Vec<_>, _>>()?;
            stack.pop();
            DataType::Struct(Fields::from(fields))
        }
    })
}

/// The entries field of a `map of string to T`'s Arrow type, `Map<Utf8, T>`: a struct of a
/// `key` (a string, never null) and a `value` of Arrow type `value` (null only when `T` is
/// optional), named as pyarrow names them. The map type does not claim sorted keys: a file's
/// maps may come in any order, and the encoder sorts each map's entries by their keys' bytes.
pub(crate) fn map_entries(value: DataType, ty: &Ty) -> Field {
    let nullable = matches!(ty, Ty::Optional(_));
    let fields = Fields::from(vec![Field::new("key", DataType::Utf8, false), Field::new("value", value, nullable)]);
    Field::new("entries", DataType::Struct(fields), false)
}

/// The schema to read a file of `file`'s schema as, so that enum columns keep a dictionary
/// encoding the file has: `file` with every `Utf8`/`LargeUtf8` column (or struct field, or list
/// item) that the policy's input reads as an enum turned into `Dictionary<Int32, Utf8>`, and
/// everything else unchanged (names, nullability, metadata, columns the policy does not read).
///
/// Readers that keep dictionaries (Parquet's dictionary pages) then hand the encoder one value
/// per distinct variant name instead of one string per row, and [`ArrowEncoder`] matches each
/// dictionary value against the enum's variants once per batch. Values are the same either
/// way, so decisions and errors do not change.
///
/// [`ArrowEncoder`]: super::ArrowEncoder
pub fn enum_dictionaries(schema: &Schema, file: &ArrowSchema) -> ArrowSchema {
    let Some(input) = schema.record(schema.input) else { return file.clone() };
    let fields: Vec<Field> = file
        .fields()
        .iter()
        .map(|f| match input.fields.iter().find(|d| d.name == *f.name()) {
            Some(declared) => hinted(schema, f, &declared.ty, 0),
            None => f.as_ref().clone(),
        })
        .collect();
    ArrowSchema::new_with_metadata(fields, file.metadata().clone())
}

/// `field` with the dictionary type where `ty` is an enum (see [`enum_dictionaries`]).
fn hinted(schema: &Schema, field: &Field, ty: &Ty, depth: usize) -> Field {
    // Records nest as deep as the policy declares; a hostile file cannot go deeper than that,
    // but a bound keeps this walk finite for a record that contains itself.
    if depth > super::super::json::MAX_JSON_DEPTH {
        return field.clone();
    }
    let dt = match (strip_optional(ty), field.data_type()) {
        (Ty::Enum(_), DataType::Utf8 | DataType::LargeUtf8) => {
            DataType::Dictionary(Box::new(DataType::Int32), Box::new(field.data_type().clone()))
        }
        (Ty::Record(r), DataType::Struct(children)) => match schema.record(*r) {
            Some(def) => DataType::Struct(
                children
                    .iter()
                    .map(|c| match def.fields.iter().find(|d| d.name == *c.name()) {
                        Some(declared) => Arc::new(hinted(schema, c, &declared.ty, depth + 1)),
                        None => c.clone(),
                    })
                    .collect(),
            ),
            None => field.data_type().clone(),
        },
        (Ty::List(elem), DataType::List(item)) => DataType::List(Arc::new(hinted(schema, item, elem, depth + 1))),
        (Ty::List(elem), DataType::LargeList(item)) => {
            DataType::LargeList(Arc::new(hinted(schema, item, elem, depth + 1)))
        }
        (Ty::Map(value), DataType::Map(entries, sorted)) => match entries.data_type() {
            DataType::Struct(children) if children.len() == 2 => {
                let hinted_children: Fields = children
                    .iter()
                    .enumerate()
                    .map(|(i, c)| if i == 1 { Arc::new(hinted(schema, c, value, depth + 1)) } else { c.clone() })
                    .collect();
                let entries = entries.as_ref().clone().with_data_type(DataType::Struct(hinted_children));
                DataType::Map(Arc::new(entries), *sorted)
            }
            _ => field.data_type().clone(),
        },
        _ => field.data_type().clone(),
    };
    field.clone().with_data_type(dt)
}

/// The precision of the Arrow type of a `decimal`, `Decimal128(19, 6)`: the 19 digits of the
/// layout's `i64` count of millionths.
pub const DECIMAL_PRECISION: u8 = 19;
