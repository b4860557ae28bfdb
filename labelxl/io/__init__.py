"""Everything that touches files: discover, guard, parse, cache, history, safe writes, OOXML."""
