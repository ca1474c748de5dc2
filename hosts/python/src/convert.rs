//! Python objects to JSON text of the policy's input type, and decided values back to Python.
//!
//! Records go into the runtime as JSON text, through the same encoder as `dexpc eval`'s lines,
//! so a dict is accepted or rejected exactly as the same record written as JSON would be, with
//! the same path and message. The writer is driven by the schema: it writes only the fields the
//! policy declares (undeclared keys are never looked at, whatever their type), keeps Python ints
//! exact (an int beyond 64 bits is written in full and rejected by the runtime as out of
//! range, never rounded), and writes a container of the wrong kind as an empty one so that the
//! runtime reports the type mismatch in its own words.
//!
//! Decisions come back as the values of `json.loads` on the decision line: dicts, lists,
//! Python ints, enum variants and codes as `str`, dates as `"YYYY-MM-DD"` strings, and
//! decimals (unlike `json.loads`) as `decimal.Decimal`, exact.
//!
//! A decimal goes in as an int, a `decimal.Decimal` (its `str`, which the runtime reads exactly
//! or refuses when it has more than 6 fractional digits) or a float (its shortest repr, so
//! `0.1` is `0.1`, never the binary double's expansion).

use dexp_runtime::date;
use dexp_runtime::json::{write_str, RecordError};
use dexp_runtime::schema::{Schema, Ty, Value};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyMapping, PyString, PyTuple, PyType};
use std::fmt::Write as _;

/// One step of the path to the value being written, for error messages.
enum Seg<'s> {
    Field(&'s str),
    Index(usize),
    Key(String),
}

/// Writes one Python record as a JSON object of the schema's input record.
pub struct JsonWriter<'s> {
    schema: &'s Schema,
    path: Vec<Seg<'s>>,
}

impl<'s> JsonWriter<'s> {
    /// A writer for records of `schema`'s input type.
    pub fn new(schema: &'s Schema) -> JsonWriter<'s> {
        JsonWriter { schema, path: Vec::new() }
    }

    /// Appends `record` to `out` as the JSON text of one input record. On error `out` may hold
    /// part of the text; the caller discards it.
    pub fn write_record(&mut self, record: &Bound<'_, PyAny>, out: &mut String) -> Result<(), RecordError> {
        self.path.clear();
        self.write(record, &Ty::Record(self.schema.input), out)
    }

    fn error(&self, message: String) -> RecordError {
        let mut path = String::new();
        for seg in &self.path {
            match seg {
                Seg::Field(name) => {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(name);
                }
                Seg::Index(i) => {
                    let _ = write!(path, "[{i}]");
                }
                Seg::Key(key) => {
                    path.push('[');
                    write_str(&mut path, key);
                    path.push(']');
                }
            }
        }
        RecordError { path, message }
    }

    fn write(&mut self, obj: &Bound<'_, PyAny>, ty: &Ty, out: &mut String) -> Result<(), RecordError> {
        if obj.is_none() {
            out.push_str("null");
            return Ok(());
        }
        match ty {
            Ty::Optional(inner) => self.write(obj, inner, out),
            Ty::Record(r) => match self.schema.record(*r) {
                Some(def) => self.write_fields(obj, &def.fields, out),
                None => Err(self.error("the policy's schema has no such record".into())),
            },
            Ty::List(elem) => self.write_list(obj, elem, out),
            Ty::Map(value) => self.write_map(obj, value, out),
            Ty::Entry(_) => Err(self.error("a map entry is not a schema type".into())),
            Ty::Codes(_) => self.write_list(obj, &Ty::String, out),
            Ty::Date => self.write_date(obj, out),
            Ty::Decimal => self.write_decimal(obj, out),
            Ty::Bool | Ty::Int | Ty::String | Ty::Enum(_) => self.write_scalar(obj, out),
        }
    }

    fn write_fields(
        &mut self,
        obj: &Bound<'_, PyAny>,
        fields: &'s [dexp_runtime::schema::FieldDef],
        out: &mut String,
    ) -> Result<(), RecordError> {
        let lookup = |name: &str| -> Result<Option<Bound<'_, PyAny>>, PyErr> {
            if let Ok(dict) = obj.cast::<PyDict>() {
                dict.get_item(name)
            } else {
                let mapping = obj.cast::<PyMapping>()?;
                if mapping.contains(name)? {
                    mapping.get_item(name).map(Some)
                } else {
                    Ok(None)
                }
            }
        };
        if obj.cast::<PyDict>().is_err() && obj.cast::<PyMapping>().is_err() {
            return self.write_scalar(obj, out);
        }
        out.push('{');
        let mut first = true;
        for field in fields {
            let value =
                lookup(&field.name).map_err(|e| self.error(format!("cannot read field `{}`: {e}", field.name)))?;
            let Some(value) = value else { continue };
            if !first {
                out.push(',');
            }
            first = false;
            write_str(out, &field.name);
            out.push(':');
            self.path.push(Seg::Field(&field.name));
            self.write(&value, &field.ty, out)?;
            self.path.pop();
        }
        out.push('}');
        Ok(())
    }

    /// A dict (or mapping) as a map: every item, in the dict's order, keys as JSON strings; the
    /// runtime sorts the entries. A key that is not a `str` has no JSON object form.
    fn write_map(&mut self, obj: &Bound<'_, PyAny>, value: &Ty, out: &mut String) -> Result<(), RecordError> {
        let items: Vec<(Bound<'_, PyAny>, Bound<'_, PyAny>)> = if let Ok(dict) = obj.cast::<PyDict>() {
            dict.iter().collect()
        } else if let Ok(mapping) = obj.cast::<PyMapping>() {
            let items = mapping.items().map_err(|e| self.error(format!("cannot read the mapping: {e}")))?;
            items.iter().filter_map(|item| item.extract::<(Bound<'_, PyAny>, Bound<'_, PyAny>)>().ok()).collect()
        } else {
            return self.write_scalar(obj, out);
        };
        out.push('{');
        for (i, (key, item)) in items.iter().enumerate() {
            let Ok(key) = key.cast::<PyString>() else {
                let name = key.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into());
                return Err(self.error(format!("map keys are strings, found a Python `{name}`")));
            };
            let key = key.to_str().map_err(|_| self.error("the key is not valid Unicode".into()))?;
            if i > 0 {
                out.push(',');
            }
            write_str(out, key);
            out.push(':');
            self.path.push(Seg::Key(key.to_string()));
            self.write(item, value, out)?;
            self.path.pop();
        }
        out.push('}');
        Ok(())
    }

    fn write_list(&mut self, obj: &Bound<'_, PyAny>, elem: &Ty, out: &mut String) -> Result<(), RecordError> {
        let items: Vec<Bound<'_, PyAny>> = if let Ok(list) = obj.cast::<PyList>() {
            list.iter().collect()
        } else if let Ok(tuple) = obj.cast::<PyTuple>() {
            tuple.iter().collect()
        } else {
            return self.write_scalar(obj, out);
        };
        out.push('[');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            self.path.push(Seg::Index(i));
            self.write(item, elem, out)?;
            self.path.pop();
        }
        out.push(']');
        Ok(())
    }

    /// A `datetime.date` (not a `datetime.datetime`) is written as its ISO date; anything else
    /// as itself, for the runtime to judge.
    fn write_date(&mut self, obj: &Bound<'_, PyAny>, out: &mut String) -> Result<(), RecordError> {
        let py = obj.py();
        let classes = date_classes(py).map_err(|e| self.error(format!("cannot import `datetime`: {e}")))?;
        let is_date = obj.is_instance(classes.0.bind(py)).unwrap_or(false);
        let is_datetime = obj.is_instance(classes.1.bind(py)).unwrap_or(false);
        if is_datetime {
            return Err(self.error("expected a date, found a datetime".into()));
        }
        if is_date {
            let text = obj
                .call_method0("isoformat")
                .and_then(|s| s.extract::<String>())
                .map_err(|e| self.error(format!("cannot format the date: {e}")))?;
            write_str(out, &text);
            return Ok(());
        }
        self.write_scalar(obj, out)
    }

    /// Writes a Python value whose JSON form the runtime will check against the declared type.
    fn write_scalar(&mut self, obj: &Bound<'_, PyAny>, out: &mut String) -> Result<(), RecordError> {
        if obj.is_none() {
            out.push_str("null");
        } else if obj.is_instance_of::<PyBool>() {
            out.push_str(if obj.is_truthy().unwrap_or(false) { "true" } else { "false" });
        } else if let Ok(s) = obj.cast::<PyString>() {
            let text = s.to_str().map_err(|_| self.error("the string is not valid Unicode".into()))?;
            write_str(out, text);
        } else if obj.is_instance_of::<PyInt>()
            || (!obj.is_instance_of::<PyFloat>() && obj.hasattr("__index__").unwrap_or(false))
        {
            self.write_int(obj, out)?;
        } else if let Ok(f) = obj.cast::<PyFloat>() {
            let value = f.value();
            if !value.is_finite() {
                return Err(self.error(format!("expected a finite number, found {value}")));
            }
            // Debug keeps the fraction (`1.0`), so the runtime sees a float where Python had one.
            let _ = write!(out, "{value:?}");
        } else if obj.cast::<PyDict>().is_ok() || obj.cast::<PyMapping>().is_ok() {
            out.push_str("{}");
        } else if obj.cast::<PyList>().is_ok() || obj.cast::<PyTuple>().is_ok() {
            out.push_str("[]");
        } else {
            let name = obj.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into());
            return Err(self.error(format!("a Python `{name}` has no JSON form")));
        }
        Ok(())
    }

    /// A `decimal.Decimal` as its `str` (finite only); anything else as a scalar, so an int or
    /// a float is written as for an int field and the runtime reads the text exactly.
    fn write_decimal(&mut self, obj: &Bound<'_, PyAny>, out: &mut String) -> Result<(), RecordError> {
        let py = obj.py();
        let class = decimal_class(py).map_err(|e| self.error(format!("cannot import decimal: {e}")))?;
        if !obj.is_instance(class.bind(py)).unwrap_or(false) {
            return self.write_scalar(obj, out);
        }
        let finite = obj.call_method0("is_finite").and_then(|f| f.is_truthy()).unwrap_or(false);
        let text = obj.str().map_err(|e| self.error(format!("cannot read the Decimal: {e}")))?;
        let text = text.to_str().map_err(|e| self.error(format!("cannot read the Decimal: {e}")))?;
        if !finite {
            return Err(self.error(format!("expected a finite decimal, found {text}")));
        }
        out.push_str(text);
        Ok(())
    }

    /// Writes an int in full decimal, however large: the runtime rejects what is outside 64 bits.
    fn write_int(&mut self, obj: &Bound<'_, PyAny>, out: &mut String) -> Result<(), RecordError> {
        if let Ok(i) = obj.extract::<i64>() {
            let _ = write!(out, "{i}");
            return Ok(());
        }
        let py = obj.py();
        let int_type: Bound<'_, PyType> = py.get_type::<PyInt>();
        let text = int_type
            .call1((obj,))
            .and_then(|i| i.str())
            .map_err(|e| self.error(format!("cannot read the int: {e}")))?;
        let text = text.to_str().map_err(|e| self.error(format!("cannot read the int: {e}")))?;
        out.push_str(text);
        Ok(())
    }
}

/// `datetime.date` and `datetime.datetime`, imported once.
/// Python's `decimal.Decimal`, imported once.
fn decimal_class(py: Python<'_>) -> PyResult<&Py<PyType>> {
    static CLASS: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    CLASS.get_or_try_init(py, || Ok(py.import("decimal")?.getattr("Decimal")?.cast_into::<PyType>()?.unbind()))
}

fn date_classes(py: Python<'_>) -> PyResult<&(Py<PyType>, Py<PyType>)> {
    static CLASSES: PyOnceLock<(Py<PyType>, Py<PyType>)> = PyOnceLock::new();
    CLASSES.get_or_try_init(py, || {
        let module = py.import("datetime")?;
        let date = module.getattr("date")?.cast_into::<PyType>()?.unbind();
        let datetime = module.getattr("datetime")?.cast_into::<PyType>()?.unbind();
        Ok((date, datetime))
    })
}

/// A decided value as Python objects, in the form `json.loads` gives for its JSON.
pub fn to_python<'py>(py: Python<'py>, schema: &Schema, ty: &Ty, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match (ty, value) {
        (_, Value::Null) => py.None().into_bound(py),
        (Ty::Optional(inner), v) => to_python(py, schema, inner, v)?,
        (_, Value::Bool(b)) => PyBool::new(py, *b).to_owned().into_any(),
        (_, Value::Int(i)) => i.into_pyobject(py)?.into_any(),
        (_, Value::Decimal(units)) => {
            decimal_class(py)?.bind(py).call1((dexp_runtime::decimal::to_string(*units),))?.into_any()
        }
        (_, Value::Date(d)) => PyString::new(py, &date::format(*d)).into_any(),
        (_, Value::Str(s)) => PyString::new(py, s).into_any(),
        (Ty::Enum(e), Value::Enum(v)) => {
            let name = schema.enum_def(*e).and_then(|d| d.variants.get(*v as usize)).map(String::as_str).unwrap_or("");
            PyString::new(py, name).into_any()
        }
        (Ty::List(elem), Value::List(items)) => {
            let list = PyList::empty(py);
            for item in items.iter() {
                list.append(to_python(py, schema, elem, item)?)?;
            }
            list.into_any()
        }
        (Ty::Record(r), Value::Record(fields)) => {
            let dict = PyDict::new(py);
            if let Some(def) = schema.record(*r) {
                for (field, v) in def.fields.iter().zip(fields.iter()) {
                    dict.set_item(&field.name, to_python(py, schema, &field.ty, v)?)?;
                }
            }
            dict.into_any()
        }
        (Ty::Map(value_ty), Value::Map(entries)) => {
            let dict = PyDict::new(py);
            for (key, v) in entries.iter() {
                dict.set_item(&**key, to_python(py, schema, value_ty, v)?)?;
            }
            dict.into_any()
        }
        (Ty::Codes(g), Value::Codes(bits)) => {
            let list = PyList::empty(py);
            if let Some(group) = schema.group(*g) {
                for (i, code) in group.codes.iter().enumerate() {
                    if i < 64 && bits & (1u64 << i) != 0 {
                        list.append(&code.code)?;
                    }
                }
            }
            list.into_any()
        }
        // A value that does not match its type cannot come out of a checked program; the JSON
        // writer writes `null` for it too.
        _ => py.None().into_bound(py),
    })
}
