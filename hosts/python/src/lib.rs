//! `dexp._dexp`, the native module of the `dexp` Python package: a thin layer over
//! `dexp-runtime` that loads policy modules and evaluates records from Python.
//!
//! Nothing here decides a record: the runtime checks and compiles the module, encodes records,
//! runs the guest and decodes decisions. This layer converts between Python objects and the
//! runtime's inputs and outputs ([`convert`]), follows `dexpc eval`'s rules for lines and
//! stopped batches ([`run`]), and releases the GIL while the runtime works. A [`Policy`] keeps
//! a pool of evaluators (each a wasmtime store with its buffers), so several Python threads can
//! evaluate against one policy at once, each on its own evaluator.

mod columnar;
mod convert;
mod run;

use arrow_pyarrow::ToPyArrow;
use dexp_runtime::engine::{self, Evaluator, Interrupt, Limits, Runtime};
use dexp_runtime::json::RecordError as RuntimeRecordError;
use dexp_runtime::schema::Ty;
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyList, PyString};
use std::sync::Mutex;
use std::time::Duration;

create_exception!(dexp, DexpError, PyException, "The base class of every error dexp raises.");
create_exception!(
    dexp,
    LoadError,
    DexpError,
    "A policy module was refused: not valid WebAssembly, not a dexp module, or one that breaks \
     the ABI. The message is the runtime's reason."
);
create_exception!(
    dexp,
    EvalError,
    DexpError,
    "The runtime could not evaluate at all (for example, no instance could be created). \
     A record that cannot be decided is never an exception: it is a `RecordError` value."
);

/// Why one record has no decision: the path of the offending field (empty for the record
/// itself, or a policy expression such as `billable_seats at 151:22` for a failure while
/// deciding) and what is wrong there.
#[pyclass(module = "dexp", frozen, eq, get_all, skip_from_py_object)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError {
    /// The field path, such as `products[1].mode`.
    pub path: String,
    /// What is wrong with the value at that path.
    pub message: String,
}

#[pymethods]
impl RecordError {
    #[new]
    fn new(path: String, message: String) -> Self {
        RecordError { path, message }
    }

    fn __repr__(&self) -> String {
        format!("RecordError(path={:?}, message={:?})", self.path, self.message)
    }

    fn __str__(&self) -> String {
        if self.path.is_empty() {
            self.message.clone()
        } else {
            format!("{}: {}", self.path, self.message)
        }
    }
}

impl From<RuntimeRecordError> for RecordError {
    fn from(e: RuntimeRecordError) -> Self {
        RecordError { path: e.path, message: e.message }
    }
}

/// The most idle evaluators a policy keeps for reuse; more threads than this still work, they
/// only build an evaluator per call.
const MAX_POOLED: usize = 64;

/// A loaded, checked and compiled policy module. Thread-safe: each call takes an evaluator
/// from the policy's pool (or makes one) and gives it back afterwards.
#[pyclass(module = "dexp", frozen)]
pub struct Policy {
    policy: engine::Policy,
    pool: Mutex<Vec<Evaluator>>,
}

impl Policy {
    /// Runs `f` on an evaluator of the pool, without the GIL.
    fn with_evaluator<R: Send>(&self, py: Python<'_>, f: impl FnOnce(&mut Evaluator) -> R + Send) -> PyResult<R> {
        let result = py.detach(|| {
            let pooled = self.pool.lock().ok().and_then(|mut pool| pool.pop());
            let mut evaluator = match pooled {
                Some(evaluator) => evaluator,
                None => self.policy.evaluator()?,
            };
            let result = f(&mut evaluator);
            if let Ok(mut pool) = self.pool.lock() {
                if pool.len() < MAX_POOLED {
                    pool.push(evaluator);
                }
            }
            Ok::<R, engine::EvalError>(result)
        });
        result.map_err(|e| EvalError::new_err(e.to_string()))
    }
}

/// The bytes of a module given as `bytes`-like, or read from the path given as `str` or
/// `os.PathLike`.
fn module_bytes(source: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(bytes) = source.cast::<PyBytes>() {
        return Ok(bytes.as_bytes().to_vec());
    }
    if let Ok(bytes) = source.cast::<PyByteArray>() {
        return Ok(bytes.to_vec());
    }
    if source.cast::<PyString>().is_ok() || source.hasattr("__fspath__")? {
        let path: std::path::PathBuf = source.extract()?;
        return Ok(std::fs::read(&path)?);
    }
    if let Ok(bytes) = source.extract::<Vec<u8>>() {
        return Ok(bytes);
    }
    Err(PyTypeError::new_err("Policy.load takes the module's bytes, or a path as str or os.PathLike"))
}

#[pymethods]
impl Policy {
    /// Loads a policy module from its bytes or from a file path. Raises `LoadError` with the
    /// runtime's reason when the module is refused, `OSError` when the file cannot be read.
    #[staticmethod]
    #[pyo3(signature = (source, *, fuel_per_record=None, deadline_ms=None, memory_bytes=None))]
    fn load(
        py: Python<'_>,
        source: &Bound<'_, PyAny>,
        fuel_per_record: Option<u64>,
        deadline_ms: Option<u64>,
        memory_bytes: Option<usize>,
    ) -> PyResult<Policy> {
        let bytes = module_bytes(source)?;
        let custom = fuel_per_record.is_some() || deadline_ms.is_some() || memory_bytes.is_some();
        let loaded = py.detach(move || {
            let runtime = if custom {
                let mut limits = Limits::default();
                if let Some(ms) = deadline_ms {
                    limits.interrupt = Interrupt::Deadline(Duration::from_millis(ms));
                }
                if let Some(per_record) = fuel_per_record {
                    limits.interrupt = Interrupt::Fuel { per_record };
                }
                if let Some(memory) = memory_bytes {
                    limits.memory_bytes = memory;
                }
                Runtime::new(limits)?
            } else {
                Runtime::shared()?
            };
            runtime.load(&bytes)
        });
        let policy = loaded.map_err(|e| LoadError::new_err(e.to_string()))?;
        Ok(Policy { policy, pool: Mutex::new(Vec::new()) })
    }

    /// The policy's name.
    #[getter]
    fn name(&self) -> &str {
        &self.policy.metadata().policy
    }

    /// The policy's version, as its author wrote it.
    #[getter]
    fn version(&self) -> &str {
        &self.policy.metadata().version
    }

    /// The input field that names a record in error lines (such as `tenant_id`), if any.
    #[getter]
    fn key(&self) -> Option<&str> {
        self.policy.schema().key_name()
    }

    /// Evaluates records given as dicts. Returns one entry per record, in order: the decision
    /// as a dict, or a `RecordError` for a record that cannot be decided.
    fn evaluate<'py>(&self, py: Python<'py>, records: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
        let schema = self.policy.schema();
        let mut writer = convert::JsonWriter::new(schema);
        let mut texts = Vec::new();
        for record in records.try_iter()? {
            let record = record?;
            let mut text = String::new();
            texts.push(writer.write_record(&record, &mut text).map(|()| text));
        }
        let outcomes = self.with_evaluator(py, move |evaluator| run::evaluate_texts(evaluator, texts))?;
        let output = Ty::Record(schema.output);
        let list = PyList::empty(py);
        for outcome in outcomes {
            match outcome {
                Ok(value) => list.append(convert::to_python(py, schema, &output, &value)?)?,
                Err(e) => list.append(Bound::new(py, RecordError::from(e))?)?,
            }
        }
        Ok(list)
    }

    /// Evaluates NDJSON text and returns exactly what `dexpc eval` writes for it: one line per
    /// non-blank input line, the decision or an error object. `str` in gives `str` out, `bytes`
    /// in gives `bytes` out (where a line that is not UTF-8 is an error line, as in the CLI).
    fn evaluate_ndjson<'py>(&self, py: Python<'py>, text: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        if let Ok(s) = text.cast::<PyString>() {
            let input = s.to_str()?;
            let out = self.with_evaluator(py, |evaluator| {
                let mut out = String::new();
                run::evaluate_ndjson(evaluator, input.as_bytes(), &mut out);
                out
            })?;
            return Ok(PyString::new(py, &out).into_any());
        }
        if let Ok(b) = text.cast::<PyBytes>() {
            let input = b.as_bytes();
            let out = self.with_evaluator(py, |evaluator| {
                let mut out = String::new();
                run::evaluate_ndjson(evaluator, input, &mut out);
                out
            })?;
            return Ok(PyBytes::new(py, out.as_bytes()).into_any());
        }
        Err(PyTypeError::new_err("evaluate_ndjson takes str or bytes"))
    }

    /// The Arrow schema of the records `evaluate_arrow` reads, as a `pyarrow.Schema`: field
    /// names as declared, enums as strings, dates as `date32`, optionals nullable.
    #[getter]
    fn input_schema<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        columnar::input_schema(self.policy.schema())?.as_ref().to_pyarrow(py)
    }

    /// The Arrow schema of what `evaluate_arrow` returns, as a `pyarrow.Schema`: the decision's
    /// fields, then `error` (a struct of `path` and `message`, null for decided rows).
    #[getter]
    fn decision_schema<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        columnar::decision_schema(self.policy.schema())?.as_ref().to_pyarrow(py)
    }

    /// Evaluates a `pyarrow.RecordBatch` (giving a `RecordBatch`) or a `pyarrow.Table` (giving
    /// a `Table`) through the Arrow C data interface: one decision row per input row, in
    /// order, with per-row errors in the `error` column.
    fn evaluate_arrow<'py>(&self, py: Python<'py>, data: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let input = columnar::Input::import(data)?;
        let output = self
            .with_evaluator(py, |evaluator| columnar::evaluate(evaluator, &input))?
            .map_err(|e| EvalError::new_err(e.to_string()))?;
        columnar::export(py, self.policy.schema(), output)
    }

    fn __repr__(&self) -> String {
        let m = self.policy.metadata();
        format!("<dexp.Policy {} version {}>", m.policy, m.version)
    }
}

/// The `dexp._dexp` module.
#[pymodule]
fn _dexp(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<Policy>()?;
    m.add_class::<RecordError>()?;
    m.add("DexpError", py.get_type::<DexpError>())?;
    m.add("LoadError", py.get_type::<LoadError>())?;
    m.add("EvalError", py.get_type::<EvalError>())?;
    m.add("ABI_VERSION", dexp_runtime::abi::ABI_VERSION)?;
    Ok(())
}
