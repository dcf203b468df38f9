-- Version 4: fewer index pages per queue write. Every claim and rating rewrites the index
-- pages it touches in the write-ahead log, so indexes the queue never needs are dropped:
--  * leases holds only live leases (a handful per rater), so its own key serves every lookup
--    and a scan of the rest costs less than keeping an expiry and a rater index;
--  * ratings_item duplicates ratings_one_live, whose (item_id, rater_id) prefix serves every
--    lookup of an item's live ratings.

DROP INDEX IF EXISTS leases_expiry;
DROP INDEX IF EXISTS leases_rater;
DROP INDEX IF EXISTS ratings_item;
