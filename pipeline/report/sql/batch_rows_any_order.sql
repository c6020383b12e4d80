-- One batch's rows of a data set read into a dict by key ($files, written by batches_to_parquet.sql
-- with position 0): in any order, not sorted on a position they all share.
SELECT * EXCLUDE (position) FROM read_parquet($files, hive_partitioning = false)
