"""The Dagster shell: resources, assets, checks, jobs and sensors that wire `pipeline.core`
and `pipeline.store` together. Nothing here parses or validates by itself."""
