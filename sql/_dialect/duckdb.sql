-- The one place where Athena (Trino) and DuckDB differ. Views in sql/ are written in Trino SQL; these DuckDB
-- macros give the Trino functions they use the same name and meaning locally. Add a macro here, never a
-- DuckDB-only spelling in a view.
create or replace macro json_extract_scalar(j, p) as json_extract_string(j, p);
create or replace macro from_iso8601_timestamp(s) as cast(s as timestamp);
-- Trino with_timezone(timestamp, zone): reads a timestamp as wall-clock time in zone -> timestamp with time zone.
create or replace macro with_timezone(ts, tz) as timezone(tz, ts);
-- Trino at_timezone(timestamp with time zone, zone): the same instant seen in zone. DuckDB's timezone() returns it as
-- the zone's wall-clock timestamp, which is what hour() and day_of_week() then read (views cast it to timestamp).
create or replace macro at_timezone(ts, tz) as timezone(tz, ts);
-- Trino day_of_week: ISO day of the week, 1 = Monday .. 7 = Sunday.
create or replace macro day_of_week(ts) as isodow(ts);
