// Keeps fod_fakes a valid library while it has no other sources.
