//! `pyarrow` record batches and tables in and out, through the Arrow C data interface.
//!
//! arrow-rs's `arrow-pyarrow` bridge moves the columns between pyarrow and Rust through the
//! PyCapsule protocol (`__arrow_c_array__`, `__arrow_c_stream__`): buffers are shared, not
//! copied, and any library that speaks the protocol (polars, DuckDB, nanoarrow) is accepted as
//! well as pyarrow. The evaluation itself is the runtime's [`Evaluator::evaluate_arrow`]: the
//! columnar codec of `dexp_runtime::arrow`, with no JSON and no Python object per row.

use arrow_array::RecordBatch;
use arrow_pyarrow::{FromPyArrow, IntoPyArrow, Table, ToPyArrow};
use dexp_runtime::engine::{EvalError, Evaluator};
use dexp_runtime::schema::Schema;
use pyo3::prelude::*;

/// Batches of records handed over from Python, and whether they came as one batch or as a
/// stream (a table or a reader), which decides what is given back.
pub enum Input {
    /// A `pyarrow.RecordBatch` (or anything with `__arrow_c_array__`).
    Batch(RecordBatch),
    /// A `pyarrow.Table` or `RecordBatchReader` (or anything with `__arrow_c_stream__`).
    Table(Vec<RecordBatch>),
}

impl Input {
    /// Imports `data` through the PyCapsule interface. Data that arrow-rs refuses only because
    /// a field declared non-nullable holds nulls (which pyarrow allows) is imported again with
    /// every field nullable, so that those nulls become per-row errors.
    pub fn import(data: &Bound<'_, PyAny>) -> PyResult<Input> {
        match Input::import_exact(data) {
            Err(first) if data.hasattr("cast")? && data.hasattr("schema")? => {
                let relaxed = data.py().import("dexp._nullable")?.call_method1("relax", (data,));
                match relaxed {
                    Ok(relaxed) => Input::import_exact(&relaxed).map_err(|_| first),
                    Err(_) => Err(first),
                }
            }
            result => result,
        }
    }

    fn import_exact(data: &Bound<'_, PyAny>) -> PyResult<Input> {
        if data.hasattr("__arrow_c_array__")? {
            return Ok(Input::Batch(RecordBatch::from_pyarrow_bound(data)?));
        }
        if data.hasattr("__arrow_c_stream__")? {
            let (batches, _schema) = Table::from_pyarrow_bound(data)?.into_inner();
            return Ok(Input::Table(batches));
        }
        Err(pyo3::exceptions::PyTypeError::new_err(
            "evaluate_arrow takes a pyarrow.RecordBatch or pyarrow.Table (or an object with \
             __arrow_c_array__ or __arrow_c_stream__)",
        ))
    }
}

/// The decisions of an [`Input`], in the same form.
pub enum Output {
    /// The decisions of a single batch.
    Batch(RecordBatch),
    /// The decisions of each batch of a stream, in order.
    Table(Vec<RecordBatch>),
}

/// Evaluates every batch of `input` with `evaluator`.
pub fn evaluate(evaluator: &mut Evaluator, input: &Input) -> Result<Output, EvalError> {
    Ok(match input {
        Input::Batch(batch) => Output::Batch(evaluator.evaluate_arrow(batch)?),
        Input::Table(batches) => {
            Output::Table(batches.iter().map(|b| evaluator.evaluate_arrow(b)).collect::<Result<_, _>>()?)
        }
    })
}

/// Converts decisions back to a `pyarrow.RecordBatch` or `pyarrow.Table`.
pub fn export<'py>(py: Python<'py>, schema: &Schema, output: Output) -> PyResult<Bound<'py, PyAny>> {
    match output {
        Output::Batch(batch) => batch.to_pyarrow(py),
        Output::Table(batches) => {
            let schema = decision_schema(schema)?;
            let table = Table::try_new(batches, schema)
                .map_err(|e| crate::EvalError::new_err(format!("the decisions do not form a table: {e}")))?;
            table.into_pyarrow(py)
        }
    }
}

/// The Arrow schema of the policy's input records, as arrow-rs has it.
pub fn input_schema(schema: &Schema) -> PyResult<arrow_schema::SchemaRef> {
    dexp_runtime::arrow::input_schema(schema).map_err(|e| crate::EvalError::new_err(e.to_string()))
}

/// The Arrow schema of the policy's decision batches, as arrow-rs has it.
pub fn decision_schema(schema: &Schema) -> PyResult<arrow_schema::SchemaRef> {
    dexp_runtime::arrow::decision_schema(schema).map_err(|e| crate::EvalError::new_err(e.to_string()))
}
