-- Who may like and who may boost a remote note, as its server's interactionPolicy says
-- (canLike, canAnnounce; GoToSocial's), in the words of quote_policy; '' when it says nothing.
ALTER TABLE notes ADD COLUMN like_policy text NOT NULL DEFAULT '';
ALTER TABLE notes ADD COLUMN announce_policy text NOT NULL DEFAULT '';
