//! Writing records as Parquet for the end-to-end tests of `dexpc eval` and `dexpc diff` on
//! columnar corpora (`columnar.rs`, `diff.rs`): a policy's Arrow input schema, the NDJSON lines
//! that have an Arrow form, and Parquet files of them.

#![allow(dead_code)]

use arrow_array::RecordBatch;
use arrow_schema::{Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The Arrow input schema of the policy at `policy` (relative to the repository), as
/// `dexpc inspect --arrow-schema` describes it, with every field nullable so that records with
/// missing fields can be written.
pub fn input_schema(policy: &str) -> SchemaRef {
    let source = std::fs::read_to_string(repo().join(policy)).unwrap();
    let compiled = dexp_compiler::compile(&source).unwrap();
    let policy = dexp_runtime::Policy::load(&compiled.wasm).unwrap();
    let schema = dexp_runtime::arrow::input_schema(policy.schema()).unwrap();
    Arc::new(Schema::new(schema.fields().iter().map(|f| f.as_ref().clone().with_nullable(true)).collect::<Vec<_>>()))
}

/// The lines of an NDJSON file that an Arrow batch of `schema` (`policy`'s input) can hold.
pub fn representable(policy: &str, schema: &SchemaRef, text: &str) -> Vec<String> {
    let source = std::fs::read_to_string(repo().join(policy)).unwrap();
    let program = dexp_compiler::frontend(&source).unwrap().program;
    // arrow-json coerces some JSON an int column cannot hold (`1.5`, `"many"`): such records
    // have no Arrow counterpart either.
    let coerced =
        |l: &str| dexp_runtime::json::decode_input(&program.schema, l).is_err_and(|e| e.message.contains(" int"));
    text.lines()
        .filter(|l| !coerced(l))
        .filter(|l| {
            let reader = arrow_json::ReaderBuilder::new(schema.clone()).build(l.as_bytes()).unwrap();
            reader.into_iter().all(|b| b.is_ok())
        })
        .map(str::to_owned)
        .collect()
}

/// The records of `lines` as batches of 700 rows.
pub fn batches(schema: &SchemaRef, lines: &[String]) -> Vec<RecordBatch> {
    let text = lines.join("\n");
    let reader = arrow_json::ReaderBuilder::new(schema.clone()).with_batch_size(700).build(text.as_bytes()).unwrap();
    reader.map(Result::unwrap).collect()
}

/// Writes `batches` as a Parquet file in row groups of 1000 rows.
pub fn write_parquet(path: &Path, batches: &[RecordBatch]) {
    write_parquet_with(path, batches, parquet::basic::Compression::UNCOMPRESSED);
}

/// Writes `batches` as a Parquet file in row groups of 1000 rows, compressed with `codec`.
pub fn write_parquet_with(path: &Path, batches: &[RecordBatch], codec: parquet::basic::Compression) {
    write_parquet_props(path, batches, codec, true);
}

/// Writes `batches` as a Parquet file in row groups of 1000 rows without a page index, as
/// pyarrow writes by default.
pub fn write_parquet_without_page_index(path: &Path, batches: &[RecordBatch]) {
    write_parquet_props(path, batches, parquet::basic::Compression::SNAPPY, false);
}

fn write_parquet_props(path: &Path, batches: &[RecordBatch], codec: parquet::basic::Compression, page_index: bool) {
    use parquet::file::properties::EnabledStatistics;
    let file = std::fs::File::create(path).unwrap();
    let props = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(1000))
        .set_compression(codec)
        .set_offset_index_disabled(!page_index)
        .set_statistics_enabled(if page_index { EnabledStatistics::Page } else { EnabledStatistics::Chunk })
        .build();
    let mut writer = ArrowWriter::try_new(file, batches[0].schema(), Some(props)).unwrap();
    for b in batches {
        writer.write(b).unwrap();
    }
    writer.close().unwrap();
}

/// Writes `batches` as an Arrow IPC file.
pub fn write_arrow(path: &Path, batches: &[RecordBatch]) {
    let file = std::fs::File::create(path).unwrap();
    let mut writer = arrow_ipc::writer::FileWriter::try_new(file, &batches[0].schema()).unwrap();
    for b in batches {
        writer.write(b).unwrap();
    }
    writer.finish().unwrap();
}
