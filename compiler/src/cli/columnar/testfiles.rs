//! Parquet files for the unit tests of the parallel readers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use arrow_array::builder::{Int64Builder, ListBuilder};
use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use parquet::arrow::ArrowWriter;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use std::fs::File;
use std::sync::Arc;

/// `rows` rows of an id, an int and a list of ints, in row groups of `group` rows.
pub fn write(path: &std::path::Path, rows: usize, group: usize, offset_index: bool) {
    let ids: ArrayRef = Arc::new(StringArray::from_iter_values((0..rows).map(|i| format!("t{i}"))));
    let ns: ArrayRef = Arc::new(Int64Array::from_iter_values((0..rows).map(|i| i as i64 * 3)));
    let mut lists = ListBuilder::new(Int64Builder::new());
    for i in 0..rows {
        for j in 0..(i % 4) {
            lists.values().append_value((i * j) as i64);
        }
        lists.append(i % 7 != 0);
    }
    let lists: ArrayRef = Arc::new(lists.finish());
    let batch = RecordBatch::try_from_iter([("id", ids), ("n", ns), ("xs", lists)]).unwrap();
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(group))
        .set_data_page_row_count_limit(900)
        .set_write_batch_size(300)
        .set_offset_index_disabled(!offset_index);
    let props = if offset_index { props } else { props.set_statistics_enabled(EnabledStatistics::Chunk) }.build();
    let mut writer = ArrowWriter::try_new(File::create(path).unwrap(), batch.schema(), Some(props)).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}
