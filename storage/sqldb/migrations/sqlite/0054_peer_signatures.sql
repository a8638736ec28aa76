-- Which kind of HTTP signature each server takes: RFC 9421 for those that advertise it, sign
-- with it or took one, draft-cavage for those that refused one. A server not here is signed
-- for with draft-cavage, which every server reads.
CREATE TABLE peer_signatures (
    host   TEXT NOT NULL PRIMARY KEY,
    scheme TEXT NOT NULL,
    how    TEXT NOT NULL,
    learnt TEXT NOT NULL
);
