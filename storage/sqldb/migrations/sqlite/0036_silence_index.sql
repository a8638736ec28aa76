-- Every actor read asks whether a silence block covers the actor's server: this keeps that
-- to the silence blocks, usually a handful, however many servers are suspended (imported
-- block lists run to thousands).
CREATE INDEX blocks_silence ON blocks (target) WHERE severity = 'silence';
