//! Converts NDJSON tenant records into a Parquet file in the reference policy's Arrow input
//! schema (`dexpc inspect --arrow-schema`), for timing `dexpc eval` on Parquet:
//! `cargo run --release -p dexp-benches --example tenants_parquet -- IN.ndjson OUT.parquet
//! [--no-page-index]`. Row groups hold 65,536 rows, compressed with Snappy (the default of Spark
//! and pyarrow). `--no-page-index` leaves out the column and offset indexes, as pyarrow does by
//! default, so `dexpc eval` reads such a file on one thread.

use dexp_benches::POLICY_SOURCE;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (input, output, page_index) = match args.as_slice() {
        [input, output] => (input, output, true),
        [input, output, flag] if flag == "--no-page-index" => (input, output, false),
        _ => {
            eprintln!("usage: tenants_parquet IN.ndjson OUT.parquet [--no-page-index]");
            return ExitCode::from(2);
        }
    };
    match convert(input, output, page_index) {
        Ok(rows) => {
            eprintln!("{rows} rows written to {output}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("tenants_parquet: {e}");
            ExitCode::FAILURE
        }
    }
}

fn convert(input: &str, output: &str, page_index: bool) -> Result<usize, Box<dyn std::error::Error>> {
    let compiled = dexp_compiler::compile(POLICY_SOURCE).map_err(|_| "the reference policy does not compile")?;
    let policy = dexp_runtime::Policy::load(&compiled.wasm)?;
    let schema = dexp_runtime::arrow::input_schema(policy.schema())?;
    let reader = std::io::BufReader::new(std::fs::File::open(input)?);
    let batches = arrow_json::ReaderBuilder::new(schema.clone()).with_batch_size(8192).build(reader)?;
    let props = parquet::file::properties::WriterProperties::builder()
        .set_compression(parquet::basic::Compression::SNAPPY)
        .set_max_row_group_row_count(Some(65536));
    let props = match page_index {
        true => props,
        false => props
            .set_statistics_enabled(parquet::file::properties::EnabledStatistics::Chunk)
            .set_offset_index_disabled(true),
    }
    .build();
    let mut writer = parquet::arrow::ArrowWriter::try_new(std::fs::File::create(output)?, schema, Some(props))?;
    let mut rows = 0;
    for batch in batches {
        let batch = batch?;
        rows += batch.num_rows();
        writer.write(&batch)?;
    }
    writer.close()?;
    Ok(rows)
}
