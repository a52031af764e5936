-- The one place where Athena (Trino) and DuckDB differ. Views in sql/ are written in Trino SQL; these DuckDB
-- macros give the Trino functions they use the same name and meaning locally. Add a macro here, never a
-- DuckDB-only spelling in a view.
create or replace macro json_extract_scalar(j, p) as json_extract_string(j, p);
create or replace macro from_iso8601_timestamp(s) as cast(s as timestamp);
