//! `dexpc`: the command-line front of the dexp compiler. It is the only part of the compiler
//! that touches files, standard streams and exit codes.

mod cli;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

/// The dexp policy compiler.
#[derive(Parser)]
#[command(name = "dexpc", version, about = "Check, compile and evaluate dexp policies")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// How diagnostics are printed.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ErrorFormat {
    /// A report with the source line, for people.
    Human,
    /// One JSON object per diagnostic, for editors and CI.
    Json,
}

/// Which back end evaluates records.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EngineKind {
    /// The compiled Wasm module on wasmtime.
    Wasm,
    /// The reference interpreter over the checked program.
    Interp,
}

#[derive(Subcommand)]
enum Command {
    /// Check policies and report every error and warning (exit 1 on errors).
    Check {
        /// Policy files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// How to print diagnostics.
        #[arg(long, value_enum, default_value = "human")]
        error_format: ErrorFormat,
    },
    /// Compile a policy to a WebAssembly module (written only when there are no errors).
    Compile {
        /// The policy source.
        policy: PathBuf,
        /// Where to write the module (default: the policy's path with `.wasm`).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// How to print diagnostics.
        #[arg(long, value_enum, default_value = "human")]
        error_format: ErrorFormat,
    },
    /// Rewrite policies in the canonical layout, keeping every comment.
    Fmt {
        /// Policy files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Write nothing; name the files that would change and exit 1 if any would.
        #[arg(long)]
        check: bool,
        /// How to print diagnostics.
        #[arg(long, value_enum, default_value = "human")]
        error_format: ErrorFormat,
    },
    /// Check a compiled module as a host would, and print its metadata.
    Inspect {
        /// The module.
        module: PathBuf,
        /// Print the raw metadata as JSON.
        #[arg(long)]
        json: bool,
        /// Print the Arrow schemas of the policy's input and decisions (MODULE may be a `.dexp`).
        #[arg(long)]
        arrow_schema: bool,
    },
    /// Write TypeScript declarations (for hosts using the `@dexp/runtime` npm package) or Rust
    /// types with their direct codec (for `dexp_runtime`) of a policy's input and decision, from
    /// a `.dexp` or a `.wasm`.
    Types {
        /// The policy source or compiled module.
        policy: PathBuf,
        /// The language of the declarations.
        #[arg(long, value_enum, default_value = "ts")]
        lang: cli::types::Lang,
        /// Where to write them (default: standard output).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Write Rust types as generated. By default they are laid out by the `rustfmt` on the
        /// PATH (or named by `RUSTFMT`), with the `rustfmt.toml` found from the output's folder
        /// (or the current one); without one, they are written as generated, with a warning.
        #[arg(long)]
        no_rustfmt: bool,
        /// How to print diagnostics if the policy does not compile.
        #[arg(long, value_enum, default_value = "human")]
        error_format: ErrorFormat,
    },
    /// Run the `.cases` files kept next to policies; ends with `N passed, M failed`.
    Test {
        /// Policies, `.cases` files or directories to search (default: the current directory).
        paths: Vec<PathBuf>,
        /// The back end: the shipped module by default.
        #[arg(long, value_enum, default_value = "wasm")]
        engine: EngineKind,
        /// Run the cases on an instrumented build of each policy and report which requirements
        /// and advisories were seen both holding and failing, and which branches were taken.
        #[arg(long)]
        coverage: bool,
        /// Exit 1 when a policy's requirement coverage (requirements and advisories seen both
        /// holding and failing) is below this percentage; implies `--coverage`.
        #[arg(long, value_name = "PERCENT")]
        min_coverage: Option<f64>,
        /// How to print diagnostics.
        #[arg(long, value_enum, default_value = "human")]
        error_format: ErrorFormat,
    },
    /// Run the language server on standard input and output, for editors.
    Lsp {
        /// Talk over standard input and output (the only transport; accepted for clients that pass it).
        #[arg(long)]
        stdio: bool,
    },
    /// Evaluate NDJSON records, one decision (or error object) per input line, in order.
    Eval {
        /// The policy: a `.dexp` source (compiled first) or a compiled `.wasm` module.
        policy: PathBuf,
        /// Records: NDJSON, or a `.parquet` or Arrow IPC (`.arrow`) file; `-` or nothing reads
        /// NDJSON from standard input.
        input: Option<PathBuf>,
        /// Where to write the decisions (default: standard output); `.parquet`, `.arrow` or
        /// NDJSON by its extension.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// The output format, whatever the output's extension.
        #[arg(long, value_enum)]
        output_format: Option<cli::columnar::Format>,
        /// The codec of Parquet output: `snappy` (the default), `zstd[:LEVEL]` (1-22, default 3),
        /// `gzip[:LEVEL]` (0-9, default 6), `brotli[:LEVEL]` (0-11, default 4), `lz4` or `none`.
        /// Parquet input in any of these is read whatever this says.
        #[arg(long, value_name = "CODEC", value_parser = cli::columnar::parse_compression)]
        compression: Option<parquet::basic::Compression>,
        /// The back end.
        #[arg(long, value_enum, default_value = "wasm")]
        engine: EngineKind,
        /// Add to each decision why each failed requirement failed, with the values it read.
        #[arg(long)]
        explain: bool,
        /// Give each batch this much fuel per record (about one unit per Wasm instruction)
        /// instead of a deadline; a batch over budget is retried record by record, and a record
        /// over its own budget is rejected alone.
        #[arg(long, value_name = "UNITS")]
        fuel: Option<u64>,
        /// The per-batch deadline of the Wasm engine, in milliseconds (default 1000).
        #[arg(long, value_name = "MS")]
        deadline_ms: Option<u64>,
        /// Worker threads (default: all cores).
        #[arg(long)]
        jobs: Option<usize>,
        /// How to print diagnostics if the policy does not compile.
        #[arg(long, value_enum, default_value = "human")]
        error_format: ErrorFormat,
    },
    /// Serve policies over HTTP: decisions, NDJSON batches, hot reload, metrics.
    Serve(cli::serve::ServeArgs),
    /// Compare two versions of a policy: their interfaces, and their decisions on a corpus.
    /// Exit 1 when a `--fail-on-change`/`--max-changed*` limit is exceeded, 2 on a load error.
    Diff(cli::diff::DiffArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check { files, error_format } => cli::check::run(&files, error_format),
        Command::Compile { policy, output, error_format } => {
            cli::compile::compile(&policy, output.as_deref(), error_format)
        }
        Command::Fmt { files, check, error_format } => cli::fmt::run(&files, check, error_format),
        Command::Inspect { module, arrow_schema: true, .. } => {
            let options = cli::workers::Options::new(EngineKind::Wasm, false, ErrorFormat::Human);
            cli::columnar::print_arrow_schema(&module, options)
        }
        Command::Inspect { module, json, .. } => cli::compile::inspect(&module, json),
        Command::Types { policy, lang, output, no_rustfmt, error_format } => {
            cli::types::run(&policy, lang, output.as_deref(), !no_rustfmt, error_format)
        }
        Command::Test { paths, engine, coverage, min_coverage, error_format } => {
            let options = cli::test::TestOptions { engine, format: error_format, coverage, min_coverage };
            cli::test::run(&paths, options)
        }
        Command::Lsp { stdio: _ } => cli::lsp::run(),
        Command::Eval {
            policy,
            input,
            output,
            output_format,
            compression,
            engine,
            explain,
            fuel,
            deadline_ms,
            jobs,
            error_format,
        } => {
            let mut options = cli::workers::Options::new(engine, explain, error_format);
            options.fuel_per_record = fuel;
            options.deadline_ms = deadline_ms;
            let (input, output) = (input.as_deref(), output.as_deref());
            let target = cli::columnar::Target { path: output, format: output_format, compression };
            if let Err(e) = target.check() {
                Err(e)
            } else if cli::columnar::wanted(input, &target) {
                cli::columnar::run(&policy, input, &target, options, jobs)
            } else {
                cli::eval::run(&policy, input, output, options, jobs)
            }
        }
        Command::Serve(args) => cli::serve::run(args),
        Command::Diff(args) => cli::diff::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
