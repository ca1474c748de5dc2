//! A Parquet file cut into the batches its serial reader yields, each readable on its own, so
//! that the workers of `dexpc eval` and `dexpc diff` decode the file in parallel instead of
//! waiting for one reading thread.
//!
//! A unit is `per_unit` consecutive batches of the serial reader: unit `k` holds rows from
//! `k * per_unit * BATCH_ROWS` on, across row-group boundaries, and is read in batches of
//! [`BATCH_ROWS`], which are exactly the serial reader's batches (the same rows, the same Arrow
//! types), so decisions and output files do not depend on how the file was read. A unit is read
//! by selecting its row groups and its rows within them; the file's offset index lets the
//! reader skip the pages before the unit without decompressing them. Each unit still decodes
//! the dictionary pages of its row groups and the part of its first pages that comes before
//! it, so a unit is several batches when the file has enough of them ([`Units::per_unit`]).
//! Files without an offset index (pyarrow writes none by default) are read serially instead,
//! since skipping rows there means decoding them.

use super::BATCH_ROWS;
use arrow_array::RecordBatch;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ParquetRecordBatchReaderBuilder, RowSelection, RowSelector};
use parquet::arrow::ProjectionMask;
use std::fs::File;
use std::path::PathBuf;

/// A Parquet file's batches as independently readable units.
pub struct Units {
    path: PathBuf,
    metadata: ArrowReaderMetadata,
    mask: ProjectionMask,
    /// The file's first row of each row group, then the number of rows.
    starts: Vec<usize>,
}

impl Units {
    /// The units of the file at `path` read with `metadata` (which must have loaded the offset
    /// index) and `mask`; `None` when some column chunk the mask reads has no offset index.
    pub fn new(path: PathBuf, metadata: ArrowReaderMetadata, mask: ProjectionMask) -> Option<Units> {
        let file = metadata.metadata();
        let leaves = file.file_metadata().schema_descr().num_columns();
        let indexed = file.row_groups().iter().all(|group| {
            (0..leaves)
                .filter(|&c| mask.leaf_included(c))
                .all(|c| group.columns().get(c).is_some_and(|chunk| chunk.offset_index_offset().is_some()))
        });
        if !indexed {
            return None;
        }
        let mut starts = Vec::with_capacity(file.num_row_groups() + 1);
        let mut at = 0usize;
        for group in file.row_groups() {
            starts.push(at);
            at = at.checked_add(usize::try_from(group.num_rows()).ok()?)?;
        }
        starts.push(at);
        Some(Units { path, metadata, mask, starts })
    }

    /// The number of rows in the file.
    pub fn rows(&self) -> usize {
        self.starts.last().copied().unwrap_or(0)
    }

    /// The number of the serial reader's batches.
    pub fn batches(&self) -> usize {
        self.rows().div_ceil(BATCH_ROWS)
    }

    /// Batches per unit for `jobs` workers: about three units per worker, so that the units
    /// share out evenly, and no more units than that, since each one decodes its row groups'
    /// dictionary pages and the start of its first pages again.
    pub fn per_unit(&self, jobs: usize) -> usize {
        (self.batches() / jobs.saturating_mul(3).max(1)).max(1)
    }

    /// The number of units of `per_unit` batches.
    pub fn len(&self, per_unit: usize) -> usize {
        self.batches().div_ceil(per_unit.max(1))
    }

    /// The rows of unit `k` of `per_unit` batches: its first row (0-based) and how many it holds.
    pub fn span(&self, k: usize, per_unit: usize) -> (usize, usize) {
        let size = per_unit.max(1).saturating_mul(BATCH_ROWS);
        let start = k.saturating_mul(size).min(self.rows());
        (start, (self.rows() - start).min(size))
    }

    /// Opens the file for one reading thread (each has its own, so reads never share a
    /// file position).
    pub fn open(&self) -> Result<File, String> {
        File::open(&self.path).map_err(|e| e.to_string())
    }

    /// Reads unit `k` of `per_unit` batches from `file` (from [`Self::open`]): its batches in
    /// order, each checked to hold the rows the serial reader's would.
    pub fn read(&self, file: &File, k: usize, per_unit: usize) -> Result<UnitBatches, String> {
        let (start, len) = self.span(k, per_unit);
        let end = start + len;
        let Some(last_group) = self.starts.len().checked_sub(1) else { return Err("the file has no rows".into()) };
        // Row groups that hold some row of `start..end`.
        let first = self.starts.partition_point(|&s| s <= start).saturating_sub(1);
        let past = self.starts.partition_point(|&s| s < end).min(last_group);
        let groups: Vec<usize> = (first..past.max(first + 1)).collect();
        let skip = start - self.starts.get(first).copied().unwrap_or(0);
        let selection = RowSelection::from(vec![RowSelector::skip(skip), RowSelector::select(len)]);
        let file = file.try_clone().map_err(|e| e.to_string())?;
        let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(file, self.metadata.clone())
            .with_row_groups(groups)
            .with_row_selection(selection)
            .with_projection(self.mask.clone())
            .with_batch_size(BATCH_ROWS)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(UnitBatches { reader, next: start, end, failed: false })
    }
}

/// The batches of one unit, as [`Units::read`] yields them: each holds [`BATCH_ROWS`] rows but
/// the unit's last; a batch of another size, a read error, or rows missing at the end are an
/// error (after which nothing more is yielded).
pub struct UnitBatches {
    reader: parquet::arrow::arrow_reader::ParquetRecordBatchReader,
    /// The first row (0-based) of the next batch, and the row past the unit's last.
    next: usize,
    end: usize,
    failed: bool,
}

impl Iterator for UnitBatches {
    type Item = Result<RecordBatch, String>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let want = (self.end - self.next).min(BATCH_ROWS);
        let result = match self.reader.next() {
            None if want == 0 => return None,
            None => Err(format!("rows {}..{} could not be read", self.next + 1, self.end)),
            Some(Err(e)) => Err(e.to_string()),
            Some(Ok(batch)) if batch.num_rows() != want => {
                Err(format!("rows {}..{} were read as {} rows", self.next + 1, self.next + want, batch.num_rows()))
            }
            Some(Ok(batch)) => {
                self.next += want;
                return Some(Ok(batch));
            }
        };
        self.failed = true;
        Some(result)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use super::super::testfiles::write;
    use super::*;
    use parquet::arrow::arrow_reader::ArrowReaderOptions;
    use parquet::file::metadata::PageIndexPolicy;

    fn metadata(path: &std::path::Path) -> ArrowReaderMetadata {
        let options = ArrowReaderOptions::new().with_offset_index_policy(PageIndexPolicy::Optional);
        ArrowReaderMetadata::load(&File::open(path).unwrap(), options).unwrap()
    }

    fn serial(path: &std::path::Path, mask: ProjectionMask) -> Vec<RecordBatch> {
        let builder = ParquetRecordBatchReaderBuilder::new_with_metadata(File::open(path).unwrap(), metadata(path));
        builder.with_projection(mask).with_batch_size(BATCH_ROWS).build().unwrap().map(Result::unwrap).collect()
    }

    #[test]
    fn units_are_the_serial_readers_batches_across_row_groups() {
        let dir = std::env::temp_dir().join(format!("dexp-units-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (rows, group) in [(40_000, 3_000), (BATCH_ROWS * 2, BATCH_ROWS), (5, 2), (BATCH_ROWS + 1, 70_000)] {
            let path = dir.join(format!("{rows}-{group}.parquet"));
            write(&path, rows, group, true);
            let meta = metadata(&path);
            for roots in [vec![0, 1, 2], vec![2], vec![0]] {
                let mask = ProjectionMask::roots(meta.metadata().file_metadata().schema_descr(), roots.clone());
                let units = Units::new(path.clone(), meta.clone(), mask.clone()).expect("the file has an offset index");
                let want = serial(&path, mask);
                assert_eq!(units.batches(), want.len(), "{rows} rows in groups of {group}");
                let file = units.open().unwrap();
                for per_unit in [1, 2, 3, want.len() + 1] {
                    // Read out of order, as workers do.
                    let mut got = vec![Vec::new(); units.len(per_unit)];
                    for k in (0..units.len(per_unit)).rev() {
                        got[k] = units.read(&file, k, per_unit).unwrap().map(Result::unwrap).collect();
                    }
                    let got: Vec<RecordBatch> = got.into_iter().flatten().collect();
                    assert_eq!(got, want, "units of {per_unit} of {rows}/{group}, columns {roots:?}");
                }
            }
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn files_without_an_offset_index_have_no_units() {
        let path = std::env::temp_dir().join(format!("dexp-units-plain-{}.parquet", std::process::id()));
        write(&path, 1000, 100, false);
        let meta = metadata(&path);
        let mask = ProjectionMask::all();
        assert!(Units::new(path.clone(), meta, mask).is_none());
        let _ = std::fs::remove_file(path);
    }
}
