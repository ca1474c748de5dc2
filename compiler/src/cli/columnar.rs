//! `dexpc eval` on columnar data: Parquet and Arrow IPC in, Parquet, Arrow IPC or NDJSON out,
//! and `dexpc inspect --arrow-schema`.
//!
//! Records go through [`Evaluator::evaluate_arrow`] without any JSON: a reader thread yields
//! record batches (a Parquet file's row groups in batches of [`BATCH_ROWS`], reading only the
//! columns the policy declares), workers decide them in parallel (and, for Parquet output,
//! encode each decision batch as a row group's column chunks) and a writer appends them in
//! input order. Channels are bounded, so memory stays bounded by a few
//! batches per worker. NDJSON input with a columnar output goes through the NDJSON path and
//! its decision lines are read back into Arrow. Exit codes and the closing count on standard
//! error are those of the NDJSON path; an error line in NDJSON output names the 1-based row.
//! The reader and the workers ([`stream_batches`], generic over what a worker makes of a batch)
//! also replay columnar corpora for `dexpc diff`.

use super::workers::Options;
use super::{print_diagnostics, read_source, CliError};
use crate::EngineKind;
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, Field, SchemaRef};
use dexp_runtime::arrow::{decision_schema, enum_dictionaries, input_schema, ERROR_COLUMN};
use dexp_runtime::engine::Policy;
use dexp_runtime::schema::Schema;
use parquet::arrow::arrow_writer::{compute_leaves, ArrowColumnChunk, ArrowColumnWriter, ArrowRowGroupWriterFactory};
use parquet::basic::Compression;
use parquet::errors::ParquetError;
use parquet::file::writer::SerializedFileWriter;
use split::Split;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufReader, BufWriter, IsTerminal, Read, Seek, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::{Arc, Mutex};
use units::Units;

mod split;
#[cfg(test)]
mod testfiles;
mod units;

/// Rows per record batch read from a Parquet file, and so per row group of a Parquet file
/// written from one: large enough for Parquet's column chunks, small enough that the batches
/// of a few hundred thousand rows share out evenly between workers.
pub const BATCH_ROWS: usize = 16384;

/// A file format `dexpc eval` reads or writes.
#[derive(Clone, Copy, PartialEq, Eq, Debug, clap::ValueEnum)]
pub enum Format {
    /// One JSON object per line.
    Ndjson,
    /// Apache Parquet.
    Parquet,
    /// Arrow IPC: the file format when written; the file or the stream format when read.
    Arrow,
}

impl Format {
    /// The format a file name implies: `.parquet`, `.arrow`/`.arrows`/`.ipc`/`.feather`, or
    /// NDJSON for anything else.
    pub fn of(path: &Path) -> Format {
        match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("parquet" | "pq") => Format::Parquet,
            Some("arrow" | "arrows" | "ipc" | "feather") => Format::Arrow,
            _ => Format::Ndjson,
        }
    }
}

/// Where `dexpc eval` writes its decisions: `-o`, `--output-format` and `--compression`.
pub struct Target<'a> {
    /// The output file; standard output when `None` or `-`.
    pub path: Option<&'a Path>,
    /// The format asked for, whatever the path's extension.
    pub format: Option<Format>,
    /// The codec of Parquet output (Snappy when `None`).
    pub compression: Option<Compression>,
}

impl Target<'_> {
    /// The format decisions are written in: the flag's, else the extension's, else NDJSON.
    pub fn format(&self) -> Format {
        self.format.or(self.path.map(Format::of)).unwrap_or(Format::Ndjson)
    }

    /// Refuses a codec for an output that is not Parquet, rather than ignoring it.
    pub fn check(&self) -> Result<(), CliError> {
        match (self.compression, self.format()) {
            (Some(_), format) if format != Format::Parquet => Err(CliError::Other(format!(
                "--compression applies to Parquet output only, and the output is {}",
                match format {
                    Format::Arrow => "Arrow IPC",
                    _ => "NDJSON",
                }
            ))),
            _ => Ok(()),
        }
    }
}

/// Parses `--compression`: `none`, `snappy`, `lz4`, or `zstd`, `gzip` and `brotli` with an
/// optional `:LEVEL`. `lz4` is Parquet's `LZ4_RAW`, the LZ4 codec the format recommends.
pub fn parse_compression(text: &str) -> Result<Compression, String> {
    use parquet::basic::{BrotliLevel, GzipLevel, ZstdLevel};
    let (codec, level) = match text.split_once(':') {
        Some((codec, level)) => {
            let level: u32 = level.parse().map_err(|_| format!("the level `{level}` is not a whole number"))?;
            (codec, Some(level))
        }
        None => (text, None),
    };
    let no_level = |c: Compression| match level {
        Some(_) => Err(format!("`{codec}` takes no level")),
        None => Ok(c),
    };
    let level_in = |range: std::ops::RangeInclusive<u32>, default: u32| match level.unwrap_or(default) {
        l if range.contains(&l) => Ok(l),
        l => Err(format!("the {codec} level is {} to {}, not {l}", range.start(), range.end())),
    };
    let bad_level = |e: ParquetError| e.to_string();
    match codec.to_ascii_lowercase().as_str() {
        "none" | "uncompressed" => no_level(Compression::UNCOMPRESSED),
        "snappy" => no_level(Compression::SNAPPY),
        "lz4" | "lz4_raw" => no_level(Compression::LZ4_RAW),
        "zstd" => {
            let level = level_in(1..=22, 3)?;
            ZstdLevel::try_new(i32::try_from(level).unwrap_or(3)).map(Compression::ZSTD).map_err(bad_level)
        }
        "gzip" => GzipLevel::try_new(level_in(0..=9, 6)?).map(Compression::GZIP).map_err(bad_level),
        "brotli" => BrotliLevel::try_new(level_in(0..=11, 4)?).map(Compression::BROTLI).map_err(bad_level),
        _ => Err(format!("unknown codec `{codec}`: use none, snappy, lz4, zstd, gzip or brotli")),
    }
}

/// Whether `dexpc eval` takes the columnar path for this input and output.
pub fn wanted(input: Option<&Path>, target: &Target) -> bool {
    let input = input.filter(|p| p.as_os_str() != "-").map(Format::of).unwrap_or(Format::Ndjson);
    input != Format::Ndjson || target.format() != Format::Ndjson
}

/// Runs `dexpc eval` with a columnar input or output.
pub fn run(
    policy: &Path,
    input: Option<&Path>,
    target: &Target,
    options: Options,
    jobs: Option<usize>,
) -> Result<ExitCode, CliError> {
    if options.engine != EngineKind::Wasm || options.explain {
        return Err(CliError::Other(
            "Parquet and Arrow files are evaluated by the compiled module: use --engine wasm without --explain".into(),
        ));
    }
    let Some(policy) = load(policy, options)? else { return Ok(ExitCode::from(1)) };
    let jobs = jobs.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)).max(1);
    let sink: Box<dyn Write + Send> = match target.path {
        Some(path) if path.as_os_str() != "-" => {
            let file = File::create(path).map_err(|source| io_err(path, source))?;
            Box::new(BufWriter::with_capacity(1 << 16, file))
        }
        _ => Box::new(BufWriter::with_capacity(1 << 16, std::io::stdout())),
    };
    let out_name = target.path.map_or("<output>".into(), |p| p.display().to_string());
    let compression = target.compression.unwrap_or(Compression::SNAPPY);
    let writer = Writer::new(target.format(), sink, &policy, out_name, compression)?;
    let in_path = input.filter(|p| p.as_os_str() != "-");
    let tally = match in_path.map(Format::of).unwrap_or(Format::Ndjson) {
        Format::Ndjson => ndjson_input(in_path, &policy, writer, jobs)?,
        Format::Parquet | Format::Arrow => {
            let path = in_path.ok_or_else(|| CliError::Other("no input file".into()))?;
            let source = Source::open(path, &[policy.schema()])?;
            stream(source, writer, &policy, jobs)?
        }
    };
    eprintln!("{} record(s): {} decided, {} rejected", tally.decided + tally.rejected, tally.decided, tally.rejected);
    Ok(if tally.rejected == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn io_err(path: &Path, source: std::io::Error) -> CliError {
    CliError::Io { path: path.display().to_string(), source }
}

/// Loads a `.wasm` module (untrusted) or compiles a `.dexp` policy; `None` when it does not
/// compile (its diagnostics have been printed).
fn load(path: &Path, options: Options) -> Result<Option<Policy>, CliError> {
    let runtime = options.runtime()?;
    if path.extension().is_some_and(|e| e == "wasm") {
        let bytes = std::fs::read(path).map_err(|source| io_err(path, source))?;
        let policy = runtime
            .load(&bytes)
            .map_err(|e| CliError::Other(format!("{}: cannot load the module: {e}", path.display())))?;
        return Ok(Some(policy));
    }
    let source = read_source(path)?;
    match dexp_compiler::compile(&source) {
        Ok(compiled) => {
            print_diagnostics(&compiled.warnings, path, &source, options.format);
            let policy = runtime
                .load(&compiled.wasm)
                .map_err(|e| CliError::Other(format!("{}: the compiled module was refused: {e}", path.display())))?;
            Ok(Some(policy))
        }
        Err(diagnostics) => {
            print_diagnostics(&diagnostics, path, &source, options.format);
            Ok(None)
        }
    }
}

/// Counts of decided and rejected records.
#[derive(Default, Clone, Copy)]
struct Tally {
    decided: u64,
    rejected: u64,
}

impl Tally {
    fn of(decisions: &RecordBatch) -> Tally {
        let rejected = decisions.column_by_name(ERROR_COLUMN).map_or(0, |e| e.len() - e.null_count()) as u64;
        Tally { decided: decisions.num_rows() as u64 - rejected, rejected }
    }

    fn add(&mut self, other: Tally) {
        self.decided += other.decided;
        self.rejected += other.rejected;
    }
}

/// Record batches read from a Parquet or Arrow IPC file, on the thread that iterates them.
pub struct Source {
    batches: Box<dyn Iterator<Item = Result<RecordBatch, arrow_schema::ArrowError>> + Send>,
    /// How more than one thread can read the same batches (Parquet).
    parallel: Option<Parallel>,
    /// Rows in the file, when known before reading (Parquet).
    rows: Option<u64>,
    /// Whether the batches hold [`BATCH_ROWS`] rows each, but the last (Parquet).
    full_batches: bool,
    name: String,
}

impl Source {
    /// Opens a `.parquet` file (decoding only the top-level columns that one of `schemas`
    /// declares in its input record) or an Arrow IPC file or stream. A file that cannot be
    /// opened, or is not Parquet or Arrow IPC, is an error naming it.
    pub fn open(path: &Path, schemas: &[&Schema]) -> Result<Source, CliError> {
        let name = path.display().to_string();
        let file = File::open(path).map_err(|source| io_err(path, source))?;
        let bad = |e: &dyn std::fmt::Display| CliError::Other(format!("{name}: {e}"));
        match Format::of(path) {
            Format::Parquet => {
                use parquet::arrow::arrow_reader::{
                    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
                };
                use parquet::arrow::ProjectionMask;
                // Enum columns are read as dictionaries, so the dictionary pages a Parquet
                // writer makes for such columns reach the encoder as they are (one string per
                // variant rather than per row).
                // The offset index, when the file has one, lets workers read units of the file
                // without decoding the pages before them.
                let options = ArrowReaderOptions::new()
                    .with_offset_index_policy(parquet::file::metadata::PageIndexPolicy::Optional);
                let plain = ArrowReaderMetadata::load(&file, options).map_err(|e| bad(&e))?;
                let hint = schemas.iter().fold(plain.schema().as_ref().clone(), |hint, s| enum_dictionaries(s, &hint));
                let hint = Arc::new(hint);
                let metadata =
                    ArrowReaderMetadata::try_new(plain.metadata().clone(), ArrowReaderOptions::new().with_schema(hint))
                        .map_err(|e| bad(&e))?;
                let builder = ParquetRecordBatchReaderBuilder::new_with_metadata(file, metadata.clone());
                let rows = u64::try_from(builder.metadata().file_metadata().num_rows()).ok();
                // Decode only the columns a policy's input declares.
                let declared: Vec<&str> = schemas
                    .iter()
                    .filter_map(|s| s.record(s.input))
                    .flat_map(|r| r.fields.iter().map(|f| f.name.as_str()))
                    .collect();
                let roots: Vec<usize> = builder
                    .schema()
                    .fields()
                    .iter()
                    .enumerate()
                    .filter(|(_, f)| declared.contains(&f.name().as_str()))
                    .map(|(i, _)| i)
                    .collect();
                let mask = ProjectionMask::roots(builder.parquet_schema(), roots.iter().copied());
                let units = Units::new(path.to_path_buf(), metadata.clone(), mask.clone()).map(Arc::new);
                let reader = builder.with_projection(mask).with_batch_size(BATCH_ROWS).build().map_err(|e| bad(&e))?;
                let parallel = Some(match units {
                    Some(units) => Parallel::Units(units),
                    None => {
                        let schema = arrow_array::RecordBatchReader::schema(&reader);
                        Parallel::Columns { path: path.to_path_buf(), metadata, roots, schema }
                    }
                });
                Ok(Source { batches: Box::new(reader), parallel, rows, full_batches: true, name })
            }
            _ => {
                let mut reader = BufReader::with_capacity(1 << 16, file);
                let mut magic = [0u8; 6];
                let is_file = reader.read_exact(&mut magic).is_ok() && &magic == b"ARROW1";
                reader.rewind().map_err(|source| io_err(path, source))?;
                let batches: Box<dyn Iterator<Item = _> + Send> = if is_file {
                    Box::new(arrow_ipc::reader::FileReader::try_new(reader, None).map_err(|e| bad(&e))?)
                } else {
                    Box::new(arrow_ipc::reader::StreamReader::try_new(reader, None).map_err(|e| bad(&e))?)
                };
                Ok(Source { batches, parallel: None, rows: None, full_batches: false, name })
            }
        }
    }
}

/// Where decision batches go, in order.
enum Writer {
    /// One row group per decision batch, its columns encoded by [`RowGroups::encode`] (on a
    /// worker thread, when the batches come from a columnar file).
    /// Batches given to [`Writer::write`] are gathered until they hold [`BATCH_ROWS`] rows.
    Parquet {
        file: Box<SerializedFileWriter<Box<dyn Write + Send>>>,
        row_groups: Arc<RowGroups>,
        pending: Vec<RecordBatch>,
    },
    Arrow(Box<arrow_ipc::writer::FileWriter<Box<dyn Write + Send>>>),
    /// NDJSON lines, written by the workers ([`Decided::Lines`]).
    Ndjson(Box<dyn Write + Send>),
}

impl Writer {
    fn new(
        format: Format,
        out: Box<dyn Write + Send>,
        policy: &Policy,
        name: String,
        compression: Compression,
    ) -> Result<Writer, CliError> {
        let schema = decision_schema(policy.schema()).map_err(|e| CliError::Other(e.to_string()))?;
        let bad = |e: &dyn std::fmt::Display| CliError::Other(format!("{name}: {e}"));
        Ok(match format {
            Format::Parquet => {
                let mut props = parquet::file::properties::WriterProperties::builder().set_compression(compression);
                // A key is unique per row: a dictionary of it would only be built to be dropped.
                if let Some(key) = policy.schema().key_name() {
                    props = props.set_column_dictionary_enabled(parquet::schema::types::ColumnPath::from(key), false);
                }
                let props = props.build();
                // The Arrow writer stores the Arrow schema in the file's metadata; its file writer
                // and column writers then take over, so columns can be encoded on any thread.
                let writer = parquet::arrow::ArrowWriter::try_new(out, schema.clone(), Some(props));
                let (file, factory) = writer.and_then(|w| w.into_serialized_writer()).map_err(|e| bad(&e))?;
                let row_groups = Arc::new(RowGroups { factory, schema });
                Writer::Parquet { file: Box::new(file), row_groups, pending: Vec::new() }
            }
            Format::Arrow => {
                let writer = arrow_ipc::writer::FileWriter::try_new(out, &schema).map_err(|e| bad(&e))?;
                Writer::Arrow(Box::new(writer))
            }
            Format::Ndjson => Writer::Ndjson(out),
        })
    }

    /// The encoder of row groups, when this writes Parquet.
    fn row_groups(&self) -> Option<Arc<RowGroups>> {
        match self {
            Writer::Parquet { row_groups, .. } => Some(row_groups.clone()),
            _ => None,
        }
    }

    /// Appends a batch's encoded row group (Parquet only).
    fn append(&mut self, chunks: Vec<ArrowColumnChunk>) -> Result<(), String> {
        let Writer::Parquet { file, .. } = self else { return Err("not a Parquet writer".into()) };
        if chunks.is_empty() {
            return Ok(());
        }
        let mut row_group = file.next_row_group().map_err(|e| e.to_string())?;
        for chunk in chunks {
            chunk.append_to_row_group(&mut row_group).map_err(|e| e.to_string())?;
        }
        row_group.close().map(drop).map_err(|e| e.to_string())
    }

    fn write(&mut self, batch: &RecordBatch) -> Result<(), String> {
        match self {
            Writer::Parquet { pending, .. } => {
                pending.push(batch.clone());
                if pending.iter().map(RecordBatch::num_rows).sum::<usize>() >= BATCH_ROWS {
                    self.write_pending()?;
                }
                Ok(())
            }
            Writer::Arrow(w) => w.write(batch).map_err(|e| e.to_string()),
            Writer::Ndjson(_) => Err("NDJSON decisions are written as lines".into()),
        }
    }

    /// Appends NDJSON lines (NDJSON output only).
    fn write_text(&mut self, lines: &str) -> Result<(), String> {
        let Writer::Ndjson(out) = self else { return Err("not an NDJSON writer".into()) };
        out.write_all(lines.as_bytes()).map_err(|e| e.to_string())
    }

    /// Writes the batches gathered so far as one row group.
    fn write_pending(&mut self) -> Result<(), String> {
        let Writer::Parquet { row_groups, pending, .. } = self else { return Ok(()) };
        let Some(first) = pending.first() else { return Ok(()) };
        let batch = arrow_select::concat::concat_batches(&first.schema(), pending.iter()).map_err(|e| e.to_string())?;
        pending.clear();
        let chunks = row_groups.encode(&batch).map_err(|e| e.to_string())?;
        self.append(chunks)
    }

    fn finish(mut self) -> Result<(), String> {
        self.write_pending()?;
        match self {
            Writer::Parquet { file, .. } => {
                let mut out = file.into_inner().map_err(|e| e.to_string())?;
                out.flush().map_err(|e| e.to_string())
            }
            Writer::Arrow(mut w) => {
                w.finish().map_err(|e| e.to_string())?;
                let mut out = w.into_inner().map_err(|e| e.to_string())?;
                out.flush().map_err(|e| e.to_string())
            }
            Writer::Ndjson(mut out) => out.flush().map_err(|e| e.to_string()),
        }
    }
}

/// Encodes decision batches as the column chunks of a Parquet row group, on any thread.
struct RowGroups {
    factory: ArrowRowGroupWriterFactory,
    schema: SchemaRef,
}

impl RowGroups {
    /// The column chunks of one row group holding `batch`; none for an empty batch.
    fn encode(&self, batch: &RecordBatch) -> Result<Vec<ArrowColumnChunk>, ParquetError> {
        if batch.num_rows() == 0 {
            return Ok(Vec::new());
        }
        // The row group's index only matters to encrypted files, which are never written here.
        let mut writers = self.factory.create_column_writers(0)?;
        let mut next = writers.iter_mut();
        for (array, field) in batch.columns().iter().zip(self.schema.fields()) {
            for leaf in compute_leaves(field, array)? {
                let writer = next.next().ok_or_else(|| ParquetError::General("a column without a writer".into()))?;
                writer.write(&leaf)?;
            }
        }
        writers.into_iter().map(ArrowColumnWriter::close).collect()
    }
}

/// What a worker made of a batch: its counts, and its decisions, as a batch or, for Parquet
/// output, already encoded as a row group.
enum Decided {
    Batch(RecordBatch),
    RowGroup(Tally, Vec<ArrowColumnChunk>),
    /// NDJSON lines, for NDJSON output.
    Lines(Tally, String),
}

/// Streams a columnar source through `jobs` evaluators into `writer`, in order.
fn stream(source: Source, mut writer: Writer, policy: &Policy, jobs: usize) -> Result<Tally, CliError> {
    let name = source.name.clone();
    // Batches of a Parquet file are row groups' worth: the workers encode them. Other batches
    // (an Arrow IPC file's, of any size) are gathered by the writer first.
    let row_groups = writer.row_groups().filter(|_| source.full_batches);
    // NDJSON output is written from the decision slots by the workers: the bytes the NDJSON
    // path writes for the same records (decimals and all), with no Arrow decision batch.
    let ndjson = matches!(writer, Writer::Ndjson { .. });
    let worker = || -> Result<BatchWorker<'_, Decided>, CliError> {
        let mut evaluator = policy
            .evaluator()
            .map_err(|e| CliError::Other(format!("cannot start an evaluator for the policy: {e}")))?;
        let (name, row_groups) = (&name, row_groups.clone());
        Ok(Box::new(move |first_row, batch: &RecordBatch| {
            if ndjson {
                let mut lines = String::with_capacity(batch.num_rows() * 256);
                let summary = evaluator
                    .evaluate_arrow_ndjson(batch, first_row, &mut lines)
                    .map_err(|e| CliError::Other(format!("{name}: {e}")))?;
                let tally = Tally { decided: summary.decided as u64, rejected: summary.rejected as u64 };
                return Ok(Decided::Lines(tally, lines));
            }
            let decisions = evaluator.evaluate_arrow(batch).map_err(|e| CliError::Other(format!("{name}: {e}")))?;
            match &row_groups {
                None => Ok(Decided::Batch(decisions)),
                Some(row_groups) => {
                    let chunks = row_groups
                        .encode(&decisions)
                        .map_err(|e| CliError::Other(format!("cannot write the decisions: {e}")))?;
                    Ok(Decided::RowGroup(Tally::of(&decisions), chunks))
                }
            }
        }))
    };
    let write_err = |e: String| CliError::Other(format!("cannot write the decisions: {e}"));
    let mut total = Tally::default();
    stream_batches(source, jobs, &worker, &mut |decided: Decided| match decided {
        Decided::Batch(decisions) => {
            total.add(Tally::of(&decisions));
            writer.write(&decisions).map_err(write_err)
        }
        Decided::RowGroup(tally, chunks) => {
            total.add(tally);
            writer.append(chunks).map_err(write_err)
        }
        Decided::Lines(tally, lines) => {
            total.add(tally);
            writer.write_text(&lines).map_err(write_err)
        }
    })?;
    writer.finish().map_err(write_err)?;
    Ok(total)
}

/// What each worker thread of [`stream_batches`] runs: a record batch and the 1-based number of
/// its first row in the file in, whatever the consumer takes out.
pub type BatchWorker<'w, T> = Box<dyn FnMut(u64, &RecordBatch) -> Result<T, CliError> + 'w>;

/// Streams a columnar source through `jobs` workers (each made by `worker` on its own thread)
/// and hands their results to `consume` in input order, on one thread. A progress bar counts
/// the rows when a person watches standard error and the file says how many it has (Parquet).
///
/// Channels are bounded, so at most a few batches per worker are in memory at once. The stream
/// stops at the first error: a batch the file cannot yield (an error naming the file), a
/// worker's error, or `consume`'s.
pub fn stream_batches<'w, T: Send>(
    source: Source,
    jobs: usize,
    worker: &(dyn Fn() -> Result<BatchWorker<'w, T>, CliError> + Sync),
    consume: &mut (dyn FnMut(T) -> Result<(), CliError> + Send),
) -> Result<(), CliError> {
    let Source { batches, parallel, rows, name, .. } = source;
    let progress = rows.filter(|_| std::io::stderr().is_terminal()).map(progress_bar);
    // Without an offset index, two threads decode half of the columns each.
    let (batches, units) = match parallel {
        Some(Parallel::Units(units)) => (batches, Some(units)),
        Some(Parallel::Columns { path, metadata, roots, schema }) if jobs > 1 => {
            match Split::start(&path, &metadata, &roots, schema) {
                Some(split) => (Box::new(split) as Box<dyn Iterator<Item = _> + Send>, None),
                None => (batches, None),
            }
        }
        _ => (batches, None),
    };
    let batches = Numbered { batches, name, next_row: 1 };
    let result = match (jobs, units) {
        (0 | 1, _) => stream_on_one_thread(batches, worker, consume, progress.as_ref()),
        (_, None) => {
            let read = batches
                .enumerate()
                .map(|(index, next)| next.map(|(first_row, batch)| (index as u64, first_row, Job::Batch(batch))));
            stream_in_parallel(read, None, jobs, worker, consume, progress.as_ref())
        }
        (_, Some(units)) => {
            // A unit's batches get consecutive indices, so the writer puts them in order.
            let per_unit = units.per_unit(jobs);
            let read = (0..units.len(per_unit)).map(|k| {
                let first_row = (units.span(k, per_unit).0 + 1) as u64;
                Ok(((k * per_unit) as u64, first_row, Job::Unit(k, per_unit)))
            });
            let units = Some((units.as_ref(), batches.name.as_str()));
            stream_in_parallel(read, units, jobs, worker, consume, progress.as_ref())
        }
    };
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    result
}

/// A source's batches with the number of each one's first row; read errors name the file.
struct Numbered {
    batches: Box<dyn Iterator<Item = Result<RecordBatch, arrow_schema::ArrowError>> + Send>,
    name: String,
    next_row: u64,
}

impl Iterator for Numbered {
    type Item = Result<(u64, RecordBatch), CliError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.batches.next()? {
            Ok(batch) => {
                let first = self.next_row;
                self.next_row += batch.num_rows() as u64;
                Some(Ok((first, batch)))
            }
            Err(e) => Some(Err(CliError::Other(format!("{}: {e}", self.name)))),
        }
    }
}

fn stream_on_one_thread<'w, T>(
    batches: Numbered,
    worker: &(dyn Fn() -> Result<BatchWorker<'w, T>, CliError> + Sync),
    consume: &mut (dyn FnMut(T) -> Result<(), CliError> + Send),
    progress: Option<&indicatif::ProgressBar>,
) -> Result<(), CliError> {
    let mut work = worker()?;
    for next in batches {
        let (first_row, batch) = next?;
        consume(work(first_row, &batch)?)?;
        if let Some(bar) = progress {
            bar.inc(batch.num_rows() as u64);
        }
    }
    Ok(())
}

/// How a file's batches can be read by more than one thread.
enum Parallel {
    /// Each worker reads its own units of the file (Parquet with an offset index).
    Units(Arc<Units>),
    /// Two threads each decode some of the columns (Parquet without an offset index).
    Columns {
        path: std::path::PathBuf,
        metadata: parquet::arrow::arrow_reader::ArrowReaderMetadata,
        /// The root columns read, by index in the file's schema.
        roots: Vec<usize>,
        /// The schema of the batches, as the reader of every column gives them.
        schema: SchemaRef,
    },
}

/// What the reading thread hands a worker: a batch it read, or a unit of a Parquet file (its
/// number, and how many batches units hold) for the worker to read itself.
enum Job {
    Batch(RecordBatch),
    Unit(usize, usize),
}

/// Runs `jobs` workers over `read` (batches or units, each with the index of its first batch in
/// the file and the 1-based number of its first row); `units` reads the units, and names the
/// file in their errors. Results reach `consume` in the order of their batches' indices, and a
/// batch that never comes is an error rather than a silent end.
fn stream_in_parallel<'w, T: Send>(
    read: impl Iterator<Item = Result<(u64, u64, Job), CliError>>,
    units: Option<(&Units, &str)>,
    jobs: usize,
    worker: &(dyn Fn() -> Result<BatchWorker<'w, T>, CliError> + Sync),
    consume: &mut (dyn FnMut(T) -> Result<(), CliError> + Send),
    progress: Option<&indicatif::ProgressBar>,
) -> Result<(), CliError> {
    let (batch_tx, batch_rx) = sync_channel::<(u64, u64, Job)>(jobs * 2);
    let (out_tx, out_rx) = sync_channel::<(u64, Done<T>)>(jobs * 2);
    let batch_rx = Arc::new(Mutex::new(batch_rx));
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            let batch_rx = batch_rx.clone();
            let out_tx = out_tx.clone();
            scope.spawn(move || {
                let mut work = worker();
                // Each worker reads units through its own file handle.
                let file = units.map(|(u, name)| u.open().map_err(|e| CliError::Other(format!("{name}: {e}"))));
                'jobs: loop {
                    let next = batch_rx.lock().ok().and_then(|rx| rx.recv().ok());
                    let Some((index, first_row, job)) = next else { break };
                    let batches: Box<dyn Iterator<Item = Result<RecordBatch, CliError>>> = match (job, units, &file) {
                        (Job::Batch(batch), ..) => Box::new(std::iter::once(Ok(batch))),
                        (Job::Unit(k, per_unit), Some((units, name)), Some(Ok(file))) => {
                            let named = move |e: String| CliError::Other(format!("{name}: {e}"));
                            match units.read(file, k, per_unit) {
                                Ok(batches) => Box::new(batches.map(move |b| b.map_err(named))),
                                Err(e) => Box::new(std::iter::once(Err(named(e)))),
                            }
                        }
                        (Job::Unit(..), _, Some(Err(e))) => {
                            Box::new(std::iter::once(Err(CliError::Other(e.to_string()))))
                        }
                        (Job::Unit(..), ..) => Box::new(std::iter::once(Err(CliError::Other(
                            "a unit of a file came without the file".into(),
                        )))),
                    };
                    let mut row = first_row;
                    for (i, batch) in (index..).zip(batches) {
                        let rows = batch.as_ref().map_or(0, RecordBatch::num_rows);
                        let result = match (&mut work, batch) {
                            (Ok(work), Ok(batch)) => work(row, &batch),
                            (Err(e), _) => Err(CliError::Other(e.to_string())),
                            (_, Err(e)) => Err(e),
                        };
                        row += rows as u64;
                        if out_tx.send((i, Done { rows, result })).is_err() {
                            break 'jobs;
                        }
                    }
                }
            });
        }
        drop(out_tx);
        // Only the workers hold the queue of batches: when they stop (the output failed), reading
        // stops too instead of waiting forever for room in the queue.
        drop(batch_rx);
        let consuming = scope.spawn(move || consume_in_order(out_rx, consume, progress));
        let mut read_error = None;
        for next in read {
            match next {
                Ok((index, first_row, job)) => {
                    if batch_tx.send((index, first_row, job)).is_err() {
                        break;
                    }
                }
                Err(e) => {
                    read_error = Some(e);
                    break;
                }
            }
        }
        drop(batch_tx);
        let consumed = consuming.join().map_err(|_| CliError::Other("the output writer stopped".into()))?;
        match read_error {
            Some(e) => Err(e),
            None => consumed,
        }
    })
}

/// A worker's result for one batch of `rows` rows.
struct Done<T> {
    rows: usize,
    result: Result<T, CliError>,
}

fn consume_in_order<T>(
    rx: Receiver<(u64, Done<T>)>,
    consume: &mut (dyn FnMut(T) -> Result<(), CliError> + Send),
    progress: Option<&indicatif::ProgressBar>,
) -> Result<(), CliError> {
    let mut pending: BTreeMap<u64, Done<T>> = BTreeMap::new();
    let mut next = 0u64;
    for (index, done) in rx {
        pending.insert(index, done);
        while let Some(done) = pending.remove(&next) {
            consume(done.result?)?;
            if let Some(bar) = progress {
                bar.inc(done.rows as u64);
            }
            next += 1;
        }
    }
    // Every batch has an index below the last one's, so a gap means a batch was lost.
    match pending.is_empty() {
        true => Ok(()),
        false => Err(CliError::Other(format!("batch {} of the input was never decided", next + 1))),
    }
}

fn progress_bar(rows: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(rows);
    if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} rows {per_sec} eta {eta}") {
        bar.set_style(style);
    }
    bar
}

/// NDJSON input to a columnar output: the NDJSON path decides the lines, and its output lines
/// (decisions and error objects) are read back as decision batches.
fn ndjson_input(input: Option<&Path>, policy: &Policy, mut writer: Writer, jobs: usize) -> Result<Tally, CliError> {
    let schema = decision_schema(policy.schema()).map_err(|e| CliError::Other(e.to_string()))?;
    let reader: Box<dyn Read + Send> = match input {
        Some(path) => Box::new(File::open(path).map_err(|source| io_err(path, source))?),
        None => Box::new(std::io::stdin()),
    };
    let (tx, rx) = sync_channel::<Vec<u8>>(4);
    let pipe = PipeWriter { tx, buf: Vec::new() };
    let policy2 = policy.clone();
    let factory =
        move || -> Result<Box<dyn super::workers::Worker>, CliError> { super::workers::wasm_worker(&policy2, None) };
    std::thread::scope(|scope| {
        let decider = scope.spawn(move || super::eval::stream(reader, pipe, jobs, &factory));
        let mut total = Tally::default();
        let mut lines = LineChunks { rx, rest: Vec::new() };
        let write_err = |e: String| CliError::Other(format!("cannot write the decisions: {e}"));
        while let Some(chunk) = lines.next_chunk() {
            let batch = decisions_from_ndjson(&schema, &chunk)?;
            total.add(Tally::of(&batch));
            writer.write(&batch).map_err(write_err)?;
        }
        decider.join().map_err(|_| CliError::Other("the evaluation stopped".into()))??;
        writer.finish().map_err(write_err)?;
        Ok(total)
    })
}

/// Reads NDJSON decision lines (decisions and error objects) as a decision batch.
fn decisions_from_ndjson(schema: &SchemaRef, text: &[u8]) -> Result<RecordBatch, CliError> {
    let lines = text.split(|&b| b == b'\n').filter(|l| !l.is_empty()).count();
    let mut reader = arrow_json::ReaderBuilder::new(schema.clone())
        .with_batch_size(lines.max(1))
        .build(text)
        .map_err(|e| CliError::Other(format!("cannot read the decisions as Arrow: {e}")))?;
    match reader.next() {
        Some(batch) => batch.map_err(|e| CliError::Other(format!("cannot read the decisions as Arrow: {e}"))),
        None => Ok(RecordBatch::new_empty(schema.clone())),
    }
}

/// The output side of the NDJSON path, sent on in chunks.
struct PipeWriter {
    tx: std::sync::mpsc::SyncSender<Vec<u8>>,
    buf: Vec<u8>,
}

impl Write for PipeWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= 1 << 20 {
            self.flush()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if !self.buf.is_empty() {
            let chunk = std::mem::take(&mut self.buf);
            self.tx.send(chunk).map_err(|_| std::io::Error::other("the Arrow writer stopped"))?;
        }
        Ok(())
    }
}

/// Chunks of whole lines from the pipe.
struct LineChunks {
    rx: Receiver<Vec<u8>>,
    rest: Vec<u8>,
}

impl LineChunks {
    fn next_chunk(&mut self) -> Option<Vec<u8>> {
        loop {
            match self.rx.recv() {
                Ok(mut data) => {
                    let Some(end) = data.iter().rposition(|&b| b == b'\n') else {
                        self.rest.extend_from_slice(&data);
                        continue;
                    };
                    let tail = data.split_off(end + 1);
                    let mut chunk = std::mem::replace(&mut self.rest, tail);
                    chunk.extend_from_slice(&data);
                    return Some(chunk);
                }
                Err(_) if self.rest.is_empty() => return None,
                Err(_) => return Some(std::mem::take(&mut self.rest)),
            }
        }
    }
}

/// Prints the Arrow schemas of a policy's input and decisions (`dexpc inspect --arrow-schema`).
pub fn print_arrow_schema(path: &Path, options: Options) -> Result<ExitCode, CliError> {
    let Some(policy) = load(path, options)? else { return Ok(ExitCode::from(1)) };
    let schema = policy.schema();
    let fail = |e: dexp_runtime::arrow::ArrowSchemaError| CliError::Other(format!("{}: {e}", path.display()));
    let mut out = String::new();
    let name = |i: u32| schema.record(i).map(|r| r.name.clone()).unwrap_or_default();
    let _ = writeln!(out, "input ({}):", name(schema.input));
    for field in input_schema(schema).map_err(fail)?.fields() {
        write_field(&mut out, field, 1);
    }
    let _ = writeln!(out, "\ndecisions ({}, one row per input row):", name(schema.output));
    for field in decision_schema(schema).map_err(fail)?.fields() {
        write_field(&mut out, field, 1);
    }
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}

fn write_field(out: &mut String, field: &Field, depth: usize) {
    let indent = "  ".repeat(depth);
    let nullable = if field.is_nullable() { ", nullable" } else { "" };
    match field.data_type() {
        DataType::Struct(children) => {
            let _ = writeln!(out, "{indent}{}: struct{nullable}", field.name());
            for child in children {
                write_field(out, child, depth + 1);
            }
        }
        DataType::List(item) => match item.data_type() {
            DataType::Struct(children) => {
                let _ = writeln!(out, "{indent}{}: list<struct>{nullable}", field.name());
                for child in children {
                    write_field(out, child, depth + 1);
                }
            }
            other => {
                let _ = writeln!(out, "{indent}{}: list<{}>{nullable}", field.name(), type_name(other));
            }
        },
        DataType::Map(entries, _) => match entries.data_type() {
            DataType::Struct(parts) => match parts.get(1).map(|v| v.data_type()) {
                Some(DataType::Struct(children)) => {
                    let _ = writeln!(out, "{indent}{}: map<utf8, struct>{nullable}", field.name());
                    for child in children {
                        write_field(out, child, depth + 1);
                    }
                }
                value => {
                    let value = value.map_or_else(|| "?".to_string(), type_name);
                    let _ = writeln!(out, "{indent}{}: map<utf8, {value}>{nullable}", field.name());
                }
            },
            other => {
                let _ = writeln!(out, "{indent}{}: map<{}>{nullable}", field.name(), type_name(other));
            }
        },
        other => {
            let _ = writeln!(out, "{indent}{}: {}{nullable}", field.name(), type_name(other));
        }
    }
}

fn type_name(dt: &DataType) -> String {
    match dt {
        DataType::Utf8 => "utf8".into(),
        DataType::Int64 => "int64".into(),
        DataType::Date32 => "date32".into(),
        DataType::Boolean => "bool".into(),
        DataType::Decimal128(p, s) => format!("decimal128({p}, {s})"),
        DataType::List(item) => format!("list<{}>", type_name(item.data_type())),
        DataType::Map(entries, _) => match entries.data_type() {
            DataType::Struct(parts) => {
                format!("map<utf8, {}>", parts.get(1).map_or_else(|| "?".to_string(), |v| type_name(v.data_type())))
            }
            other => format!("map<{}>", type_name(other)),
        },
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use super::*;
    use arrow_array::cast::AsArray;

    /// A policy whose input declares two of the test file's three columns.
    const POLICY: &str = "policy units version \"1.0.0\"
record In { id: string, n: int }
record Out { id: string, double: int }
input In key id
output Out { id: id, double: n * 2 }
";

    #[test]
    fn units_of_several_batches_reach_the_consumer_in_the_serial_readers_order() {
        let dir = std::env::temp_dir().join(format!("dexp-columnar-units-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("rows.parquet");
        let rows = 13 * BATCH_ROWS + 5;
        testfiles::write(&path, rows, 20_000, true);
        let policy = dexp_runtime::Policy::load(&dexp_compiler::compile(POLICY).unwrap().wasm).unwrap();
        for jobs in [1, 2, 3] {
            let source = Source::open(&path, &[policy.schema()]).unwrap();
            if let Some(Parallel::Units(units)) = &source.parallel {
                assert!(jobs != 2 || units.per_unit(jobs) >= 2, "units of several batches are tested");
            }
            // Each batch as the consumer sees it: its first row's number, its rows, its first id.
            let worker = || -> Result<BatchWorker<'_, (u64, usize, String)>, CliError> {
                Ok(Box::new(|first_row, batch: &RecordBatch| {
                    let ids = batch.column_by_name("id").unwrap().as_string::<i32>();
                    Ok((first_row, batch.num_rows(), ids.value(0).to_string()))
                }))
            };
            let mut seen = Vec::new();
            stream_batches(source, jobs, &worker, &mut |b| {
                seen.push(b);
                Ok(())
            })
            .unwrap();
            let want: Vec<(u64, usize, String)> = (0..rows)
                .step_by(BATCH_ROWS)
                .map(|start| (start as u64 + 1, (rows - start).min(BATCH_ROWS), format!("t{start}")))
                .collect();
            assert_eq!(seen, want, "{jobs} job(s)");
        }
        let _ = std::fs::remove_dir_all(dir);
    }
}
