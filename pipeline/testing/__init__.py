"""Test tooling: the page generator and the mutations that the property tests and the round trip use.

Not part of the product: nothing in pipeline.core, pipeline.store or pipeline.defs imports it."""
