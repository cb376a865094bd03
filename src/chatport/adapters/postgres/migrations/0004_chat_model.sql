-- The conversation's model id (v1), used when a message names none; NULL: none chosen.
-- No foreign key: a model id names a model across providers and may outlive its rows.
ALTER TABLE chats ADD COLUMN model text;
