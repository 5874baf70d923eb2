-- Postgres' 0010 keeps words' beginnings in its search index; SQLite's FTS5 table has kept
-- them since 0008 (`prefix = '2 3 4'`). Nothing to change here; the number stays in step.
SELECT 1;
