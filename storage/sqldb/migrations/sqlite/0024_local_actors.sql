-- The local accounts, found without walking the remote actors an instance stores by the
-- hundred thousand: NodeInfo counts them and their posts on every request.
CREATE INDEX actors_local ON actors (type) WHERE local = TRUE;
