-- Follow counts kept on each actor by triggers, as the post counts are (0003): every status
-- an app is shown carries its author's followers and following, and counting an account that
-- follows a thousand took 0.4 ms on every page it appeared on. Only accepted follows count.
ALTER TABLE actors ADD COLUMN followers_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE actors ADD COLUMN following_count INTEGER NOT NULL DEFAULT 0;

UPDATE actors SET
    followers_count = (SELECT count(*) FROM follows f WHERE f.followee_id = actors.id AND f.accepted = 1),
    following_count = (SELECT count(*) FROM follows f WHERE f.follower_id = actors.id AND f.accepted = 1);

CREATE TRIGGER follows_count_insert AFTER INSERT ON follows WHEN NEW.accepted BEGIN
    UPDATE actors SET followers_count = followers_count + 1 WHERE id = NEW.followee_id;
    UPDATE actors SET following_count = following_count + 1 WHERE id = NEW.follower_id;
END;

CREATE TRIGGER follows_count_delete AFTER DELETE ON follows WHEN OLD.accepted BEGIN
    UPDATE actors SET followers_count = followers_count - 1 WHERE id = OLD.followee_id;
    UPDATE actors SET following_count = following_count - 1 WHERE id = OLD.follower_id;
END;

CREATE TRIGGER follows_count_update AFTER UPDATE OF follower_id, followee_id, accepted ON follows BEGIN
    UPDATE actors SET followers_count = followers_count - 1 WHERE id = OLD.followee_id AND OLD.accepted;
    UPDATE actors SET following_count = following_count - 1 WHERE id = OLD.follower_id AND OLD.accepted;
    UPDATE actors SET followers_count = followers_count + 1 WHERE id = NEW.followee_id AND NEW.accepted;
    UPDATE actors SET following_count = following_count + 1 WHERE id = NEW.follower_id AND NEW.accepted;
END;
