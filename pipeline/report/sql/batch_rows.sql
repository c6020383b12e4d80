-- One batch's rows of a data set ($files, written by batches_to_parquet.sql) in their order.
SELECT * EXCLUDE (position) FROM read_parquet($files, hive_partitioning = false) ORDER BY position
