-- The follow counts of 0011 without a hot row. Its triggers added to the actor's row in the
-- transaction that followed, so every follow of one account wrote that one row, and under
-- serializable isolation all but one of a crowd of them failed and tried again: eight
-- remote followers of one account arriving at once through two processes still failed
-- twenty attempts on a loaded machine. Now a follow's trigger only adds a row here, which
-- nobody else writes; each commit that followed folds the rows into the actors' counts in
-- one statement at READ COMMITTED, where additions to one row wait their turn instead of
-- failing. Until then the reads add the rows still here (both in storage/sqldb/social.go).
CREATE TABLE follow_count_deltas (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor_id bigint NOT NULL,
    followers integer NOT NULL DEFAULT 0,
    following integer NOT NULL DEFAULT 0
);
CREATE INDEX follow_count_deltas_actor ON follow_count_deltas (actor_id);

CREATE OR REPLACE FUNCTION follows_count_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO follow_count_deltas (actor_id, followers) VALUES (NEW.followee_id, 1);
    INSERT INTO follow_count_deltas (actor_id, following) VALUES (NEW.follower_id, 1);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION follows_count_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO follow_count_deltas (actor_id, followers) VALUES (OLD.followee_id, -1);
    INSERT INTO follow_count_deltas (actor_id, following) VALUES (OLD.follower_id, -1);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION follows_count_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (OLD.accepted, OLD.follower_id, OLD.followee_id) IS NOT DISTINCT FROM (NEW.accepted, NEW.follower_id, NEW.followee_id) THEN
        RETURN NULL;
    END IF;
    IF OLD.accepted THEN
        INSERT INTO follow_count_deltas (actor_id, followers) VALUES (OLD.followee_id, -1);
        INSERT INTO follow_count_deltas (actor_id, following) VALUES (OLD.follower_id, -1);
    END IF;
    IF NEW.accepted THEN
        INSERT INTO follow_count_deltas (actor_id, followers) VALUES (NEW.followee_id, 1);
        INSERT INTO follow_count_deltas (actor_id, following) VALUES (NEW.follower_id, 1);
    END IF;
    RETURN NULL;
END $$;
