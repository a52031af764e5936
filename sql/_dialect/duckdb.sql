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
-- Trino to_utf8(varchar) -> varbinary, and Trino sha256(varbinary) -> varbinary (DuckDB's own sha256 returns hex
-- text): `lower(to_hex(sha256(to_utf8(s))))` is then the same lowercase hex digest on both engines. The sha256 macro
-- is a temporary one because only those shadow a built-in function; it calls the built-in by its qualified name.
create or replace macro to_utf8(s) as encode(s);
create or replace temp macro sha256(b) as unhex(system.main.sha256(b));
-- Trino array_join(array, separator).
create or replace macro array_join(l, sep) as array_to_string(l, sep);
-- Trino from_base(varchar, radix) -> bigint, for the hexadecimal digits the scorer's shard hash reads
-- (src/score/shards.ts shardPredicate); any other radix is an error rather than a wrong number.
create or replace macro from_base(s, radix) as case when radix = 16 then cast('0x' || s as ubigint) else error('from_base: only radix 16 is given to DuckDB') end;
