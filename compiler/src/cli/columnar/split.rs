//! A Parquet file's batches decoded by two threads at once, each reading half of the columns,
//! for files whose rows cannot be cut into separately readable units (no offset index).
//!
//! Each thread runs its own reader over the whole file with the same batch size, so batch `k`
//! of every thread holds the same rows; joining them column by column gives exactly the batch
//! one reader of all the columns yields (same rows, same Arrow types, same column order). The
//! columns are shared out by their compressed size in the file, a stand-in for the work of
//! decoding them. Nothing is read twice.

use super::BATCH_ROWS;
use arrow_array::RecordBatch;
use arrow_schema::{ArrowError, SchemaRef};
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ParquetRecordBatchReaderBuilder};
use parquet::arrow::ProjectionMask;
use std::fs::File;
use std::path::Path;
use std::sync::mpsc::{sync_channel, Receiver};

/// The batches of one reader thread, in order.
type Batches = Receiver<Result<RecordBatch, ArrowError>>;

/// Batches joined from the readers of disjoint sets of columns.
pub struct Split {
    /// The schema of the joined batches: the projected schema of one reader of every column.
    schema: SchemaRef,
    parts: Vec<Batches>,
}

impl Split {
    /// Starts two readers of `path` over the root columns `roots` (indices into the file's
    /// Arrow schema, as read with `metadata`), or `None` when there are fewer than two columns
    /// to share or the file cannot be opened again.
    pub fn start(path: &Path, metadata: &ArrowReaderMetadata, roots: &[usize], schema: SchemaRef) -> Option<Split> {
        if roots.len() < 2 {
            return None;
        }
        let parquet = metadata.metadata();
        let descr = parquet.file_metadata().schema_descr();
        // The compressed bytes of each root column, over every row group.
        let size = |root: usize| -> i64 {
            let mask = ProjectionMask::roots(descr, [root]);
            let leaves = (0..descr.num_columns()).filter(|&c| mask.leaf_included(c));
            leaves
                .map(|c| {
                    parquet
                        .row_groups()
                        .iter()
                        .filter_map(|g| g.columns().get(c))
                        .map(|c| c.compressed_size())
                        .sum::<i64>()
                })
                .sum()
        };
        let mut by_size: Vec<(i64, usize)> = roots.iter().map(|&r| (size(r), r)).collect();
        by_size.sort_by(|a, b| b.cmp(a));
        // Largest first, each to the lighter half.
        let mut halves: [(i64, Vec<usize>); 2] = [(0, Vec::new()), (0, Vec::new())];
        for (bytes, root) in by_size {
            let lighter = usize::from(halves[1].0 < halves[0].0);
            if let Some(half) = halves.get_mut(lighter) {
                half.0 += bytes;
                half.1.push(root);
            }
        }
        let mut parts = Vec::with_capacity(2);
        for (_, half) in halves {
            let file = File::open(path).ok()?;
            let mask = ProjectionMask::roots(descr, half);
            let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(file, metadata.clone())
                .with_projection(mask)
                .with_batch_size(BATCH_ROWS)
                .build()
                .ok()?;
            let (tx, rx) = sync_channel(2);
            std::thread::spawn(move || {
                for batch in reader {
                    if tx.send(batch).is_err() {
                        break;
                    }
                }
            });
            parts.push(rx);
        }
        Some(Split { schema, parts })
    }
}

impl Iterator for Split {
    type Item = Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut pieces = Vec::with_capacity(self.parts.len());
        for part in &self.parts {
            match part.recv() {
                Ok(Ok(batch)) => pieces.push(batch),
                Ok(Err(e)) => return Some(Err(e)),
                // Every reader ends after the same number of batches.
                Err(_) => return None,
            }
        }
        let rows = pieces.first().map_or(0, RecordBatch::num_rows);
        if pieces.iter().any(|p| p.num_rows() != rows) {
            return Some(Err(ArrowError::InvalidArgumentError("the column readers went out of step".into())));
        }
        let columns = self
            .schema
            .fields()
            .iter()
            .map(|field| {
                pieces
                    .iter()
                    .find_map(|p| p.column_by_name(field.name()).cloned())
                    .ok_or_else(|| ArrowError::SchemaError(format!("no reader has the column `{}`", field.name())))
            })
            .collect::<Result<Vec<_>, _>>();
        Some(columns.and_then(|columns| RecordBatch::try_new(self.schema.clone(), columns)))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use super::super::testfiles::write;
    use super::*;
    use arrow_array::RecordBatchReader;
    use parquet::arrow::arrow_reader::ArrowReaderOptions;

    #[test]
    fn joined_batches_are_the_batches_of_one_reader_of_every_column() {
        let dir = std::env::temp_dir().join(format!("dexp-split-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (rows, group) in [(40_000, 3_000), (BATCH_ROWS + 1, 70_000), (5, 2), (0, 10)] {
            let path = dir.join(format!("{rows}-{group}.parquet"));
            write(&path, rows, group, false);
            let metadata = ArrowReaderMetadata::load(&File::open(&path).unwrap(), ArrowReaderOptions::new()).unwrap();
            for roots in [vec![0, 1, 2], vec![2, 0], vec![1]] {
                let descr = metadata.metadata().file_metadata().schema_descr_ptr();
                let reader =
                    ParquetRecordBatchReaderBuilder::new_with_metadata(File::open(&path).unwrap(), metadata.clone())
                        .with_projection(ProjectionMask::roots(&descr, roots.iter().copied()))
                        .with_batch_size(BATCH_ROWS)
                        .build()
                        .unwrap();
                let schema = reader.schema();
                let want: Vec<RecordBatch> = reader.map(Result::unwrap).collect();
                match Split::start(&path, &metadata, &roots, schema) {
                    None => assert_eq!(roots.len(), 1, "one column is not shared out"),
                    Some(split) => {
                        let got: Vec<RecordBatch> = split.map(Result::unwrap).collect();
                        assert_eq!(got, want, "{rows} rows in groups of {group}, columns {roots:?}");
                    }
                }
            }
        }
        let _ = std::fs::remove_dir_all(dir);
    }
}
