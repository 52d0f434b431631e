/** MySQL 8.0 reserved words (manual, "Keywords and Reserved Words", marked R): need quoting everywhere. */
export const RESERVED_WORDS: ReadonlySet<string> = new Set(
  `accessible add all alter analyze and as asc asensitive before between bigint binary blob both by call cascade case
change char character check collate column condition constraint continue convert create cross cube cume_dist
current_date current_time current_timestamp current_user cursor database databases day_hour day_microsecond
day_minute day_second dec decimal declare default delayed delete dense_rank desc describe deterministic distinct
distinctrow div double drop dual each else elseif empty enclosed escaped except exists exit explain false fetch
first_value float float4 float8 for force foreign from fulltext function generated get grant group grouping groups
having high_priority hour_microsecond hour_minute hour_second if ignore in index infile inner inout insensitive
insert int int1 int2 int3 int4 int8 integer intersect interval into io_after_gtids io_before_gtids is iterate join
json_table key keys kill lag last_value lateral lead leading leave left like limit linear lines load localtime
localtimestamp lock long longblob longtext loop low_priority master_bind master_ssl_verify_server_cert match
maxvalue mediumblob mediumint mediumtext middleint minute_microsecond minute_second mod modifies natural not
no_write_to_binlog nth_value ntile null numeric of on optimize optimizer_costs option optionally or order out
outer outfile over partition percent_rank precision primary procedure purge range rank read reads read_write real
recursive references regexp release rename repeat replace require resignal restrict return revoke right rlike
row row_number rows schema schemas second_microsecond select sensitive separator set show signal smallint spatial
specific sql sqlexception sqlstate sqlwarning sql_big_result sql_calc_found_rows sql_small_result ssl starting
stored straight_join system table terminated then tinyblob tinyint tinytext to trailing trigger true undo union
unique unlock unsigned update usage use using utc_date utc_time utc_timestamp values varbinary varchar varcharacter
varying virtual when where while window with write xor year_month zerofill`
    .split(/\s+/)
    .filter(Boolean),
);

/** Common MySQL 8.0 keywords that are not reserved (manual, unmarked): legal names, but confusing in queries and tools. */
export const NON_RESERVED_KEYWORDS: ReadonlySet<string> = new Set(
  `action after algorithm always any at auto_increment avg begin binlog bit block bool boolean btree cache cascaded
chain change changed channel charset checksum cipher class client close code collation columns comment commit
committed compact completion component compressed compression concurrent connection consistent contains context
cpu current data date datetime day deallocate definer delay_key_write disable discard disk do dumpfile duplicate
dynamic enable encryption end ends engine engines enum error errors escape event events every exchange execute
expansion expire export extended extent_size fast fault fields file filter first fixed flush follows format found
full general global grants handler hash help host hosts hour identified import indexes initial install instance
invisible invoker issuer json key_block_size language last leaves less level list local locked locks logfile logs
master max_rows memory merge message_text microsecond migrate min_rows minute mode modify month mutex name names
national never new next no nodegroup none number offset old one only open owner pack_keys page parser partial
partitioning partitions password path phase plugin plugins point port precedes prepare preserve prev privileges
process processlist profile profiles proxy quarter query quick reassign recover redundant reference relay reload
remote repair repeatable replica replicate_do_db reset restore resume retain returning returns reuse role rollback
rollup rotate routine row_count row_format rtree savepoint schedule second security serial serializable server
session share shutdown signed simple slave snapshot socket some soname sounds source sql_buffer_result sql_cache
sql_no_cache sql_thread start starts stats_auto_recalc status stop storage string subject subpartition suspend swaps
switches table_name tables tablespace temporary temptable text than thread_priority time timestamp timestampadd
timestampdiff transaction triggers truncate type types uncommitted undefined unicode uninstall unknown until upgrade
user validation value variables vcpu view visible wait warnings week weight_string without work wrapper x509 xa xid
xml year`
    .split(/\s+/)
    .filter(Boolean),
);
