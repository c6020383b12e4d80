-- The rows of a data set (a query with the columns batch and position, put in place of the
-- braced name below) for every batch,
-- written once into $directory as Parquet, one directory per batch (batch=N), read back per batch
-- by batch_rows.sql: one query for every batch, not one per batch, which would scan (and
-- decompress) the warehouse's tables 21 times at 10,000 pages. The writer holds a row group per
-- batch: 20,480 short rows (~2 MB of lines a batch; 2,048 cost 0.2-0.3 CPU-s more to write and
-- read at 10,000 pages, their rows' cells most). Uncompressed: the files live for one report, and
-- lz4 cost more CPU than it saved (10,000 pages: 3.3 -> 2.8 CPU-s to write every batch, 3.5 to
-- read them either way; 90 MB of files instead of 40).
COPY ({rows}) TO $directory (FORMAT parquet, PARTITION_BY (batch), ROW_GROUP_SIZE 20480, COMPRESSION uncompressed)
