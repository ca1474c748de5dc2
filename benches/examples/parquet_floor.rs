//! The floor of the columnar path (issue 9): everything `dexpc eval TENANTS.parquet -o
//! OUT.parquet --jobs 1` does with the Parquet format, and nothing of dexp's own work, so that
//! its time bounds what any arrow-rs based evaluator can reach on one core.
//!
//! `parquet_floor POLICY.wasm TENANTS.parquet DECISIONS.arrow OUT.parquet` loads the policy (as
//! `dexpc eval` does, for its input and decision schemas), loads the decisions `dexpc eval` wrote
//! for the same tenants as Arrow IPC (`-o DECISIONS.arrow`: uncompressed, so loading them is close
//! to a copy), then, timed: reads the tenants' declared columns in batches of 16,384 rows, as
//! `dexpc eval` does (enum columns as dictionaries), and writes one Parquet row group of decisions per batch with `dexpc eval`'s
//! writer settings (Snappy, no dictionary for the key column). It prints the time of the timed
//! part, of its read and write steps, and the records/s it allows; `scripts/bench-columnar.sh`
//! also times the whole process beside `dexpc eval`. The output file is the decisions, like
//! `dexpc eval`'s (checked by the script with `cmp`).

use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use parquet::arrow::{ArrowWriter, ProjectionMask};
use parquet::file::metadata::PageIndexPolicy;
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// `dexpc`'s allocator: fresh memory costs this VM a lot, and allocators differ in how often
/// they ask for it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The rows per batch and row group of `dexpc eval`'s Parquet path (`cli/columnar.rs`).
const BATCH_ROWS: usize = 16384;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [policy, tenants, decisions, output] = args.as_slice() else {
        eprintln!("usage: parquet_floor POLICY.wasm TENANTS.parquet DECISIONS.arrow OUT.parquet");
        return ExitCode::from(2);
    };
    match run(policy, tenants, decisions, output) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("parquet_floor: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(policy: &str, tenants: &str, decisions: &str, output: &str) -> Result<(), Box<dyn std::error::Error>> {
    let policy = dexp_runtime::Policy::load(&std::fs::read(policy)?)?;
    let input = dexp_runtime::arrow::input_schema(policy.schema())?;
    let schema = dexp_runtime::arrow::decision_schema(policy.schema())?;
    let decided = arrow_ipc::reader::FileReader::try_new(std::fs::File::open(decisions)?, None)?;
    let decided = decided.collect::<Result<Vec<_>, _>>()?;
    let decided = arrow_select::concat::concat_batches(&schema, &decided)?;

    let start = Instant::now();
    let (mut reading, mut writing) = (Duration::ZERO, Duration::ZERO);
    // As `dexpc eval` opens it: enum columns read as dictionaries, so a Parquet dictionary page
    // reaches the reader's output as it is, not as one string per row.
    let file = std::fs::File::open(tenants)?;
    let options = ArrowReaderOptions::new().with_offset_index_policy(PageIndexPolicy::Optional);
    let plain = ArrowReaderMetadata::load(&file, options)?;
    let hint = Arc::new(dexp_runtime::arrow::enum_dictionaries(policy.schema(), plain.schema()));
    let metadata = ArrowReaderMetadata::try_new(plain.metadata().clone(), ArrowReaderOptions::new().with_schema(hint))?;
    let builder = ParquetRecordBatchReaderBuilder::new_with_metadata(file, metadata);
    // Only the columns the policy declares, as `dexpc eval` reads them.
    let declared: Vec<usize> = builder
        .schema()
        .fields()
        .iter()
        .enumerate()
        .filter(|(_, f)| input.field_with_name(f.name()).is_ok())
        .map(|(i, _)| i)
        .collect();
    let mask = ProjectionMask::roots(builder.parquet_schema(), declared);
    let mut reader = builder.with_projection(mask).with_batch_size(BATCH_ROWS).build()?;
    let mut props = WriterProperties::builder()
        .set_compression(parquet::basic::Compression::SNAPPY)
        .set_max_row_group_row_count(Some(BATCH_ROWS));
    if let Some(key) = policy.schema().key_name() {
        props = props.set_column_dictionary_enabled(ColumnPath::from(key), false);
    }
    let mut writer = ArrowWriter::try_new(std::fs::File::create(output)?, schema, Some(props.build()))?;
    let mut rows = 0;
    loop {
        let at = Instant::now();
        let Some(batch) = reader.next().transpose()? else { break };
        reading += at.elapsed();
        let n = batch.num_rows();
        if rows + n > decided.num_rows() {
            return Err(format!("{decisions} holds {} decisions, fewer than the tenants", decided.num_rows()).into());
        }
        let at = Instant::now();
        writer.write(&decided.slice(rows, n))?;
        writing += at.elapsed();
        rows += n;
        drop(batch);
    }
    let at = Instant::now();
    writer.close()?;
    writing += at.elapsed();
    let total = start.elapsed();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{rows} rows: {:.1} ms (read {:.1} ms, write {:.1} ms), at most {:.0} records/s on one core",
        ms(total),
        ms(reading),
        ms(writing),
        rows as f64 / total.as_secs_f64()
    );
    Ok(())
}
