-- The rows of a data set (a query with the columns batch and position, put in place of the
-- braced name below) for every batch,
-- written once into $directory as Parquet, one directory per batch (batch=N), read back per batch
-- by batch_rows.sql. budget_explanation's texts are compressed (zstd) and a batch's documents
-- are spread over the whole table: a query per batch decompressed every text again (10,000
-- pages: 0.35 s CPU a batch, 21 batches). Small row groups: the writer holds one per batch.
COPY ({rows}) TO $directory (FORMAT parquet, PARTITION_BY (batch), ROW_GROUP_SIZE 2048, COMPRESSION lz4)
