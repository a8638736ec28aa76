-- Every received activity is stored (its id is how a repeated delivery is recognised), and
-- each index on activities costs each delivery a page written to the WAL, at a place of its
-- own in the index. activities_object was read by no query: dropped (add it back with the
-- first query that needs it). activities_actor serves the outboxes of local actors only, so
-- it keeps local activities only.
DROP INDEX activities_object;
DROP INDEX activities_actor;
CREATE INDEX activities_actor ON activities (actor_id, id) WHERE local = 1;
