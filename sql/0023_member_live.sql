-- Live members by id, from an index alone: a segment limited by tags (or by any condition on the id
-- alone) tells which members are live without reading their rows, which are wide since their personal
-- data is sealed. At 1,000,000 members the benchmark's preview looked up its 100,000 tagged members'
-- rows twice (2.3 s of 4.2 s on a loaded machine); from this index, 1.76-2.32 s became 1.17-1.43 s
-- on an idle one (docs/performance.md).
CREATE INDEX member_live ON member (id) WHERE merged_into IS NULL;
