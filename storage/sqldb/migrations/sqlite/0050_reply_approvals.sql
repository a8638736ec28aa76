-- Replies under interaction policies (GoToSocial's interaction controls): who may reply to
-- a remote note as its server advertises (reply_policy: public, followers, manual, nobody, ''
-- when it says nothing), and, on a local reply, whether the parent's author approved it
-- (reply_state: '' when no approval was asked or needed, pending, accepted, rejected) with
-- the proofs it sent: reply_authorization, the ReplyAuthorization that newer servers send as
-- the Accept's result, and reply_approved_by, the Accept itself, which older ones check.
ALTER TABLE notes ADD COLUMN reply_policy TEXT NOT NULL DEFAULT '';
ALTER TABLE notes ADD COLUMN reply_state TEXT NOT NULL DEFAULT '';
ALTER TABLE notes ADD COLUMN reply_authorization TEXT NOT NULL DEFAULT '';
ALTER TABLE notes ADD COLUMN reply_approved_by TEXT NOT NULL DEFAULT '';
