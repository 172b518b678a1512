-- schema version 6 of a recording store, as dtree made it when version 6 was new (the same tables as version 5: version 6 changed only PostgreSQL's; tests/e2e/record_schema.sh)
PRAGMA application_id=1683255909;
PRAGMA user_version=6;
CREATE TABLE sessions( sid INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, tree_id TEXT NOT NULL, tree_version TEXT NOT NULL, tree_hash TEXT NOT NULL, tree_path TEXT NOT NULL, agent TEXT NOT NULL, mode TEXT NOT NULL CHECK (mode IN ('agent','kiosk','scripted')), host TEXT NOT NULL, started_ms INTEGER NOT NULL, ended_ms INTEGER, last_ms INTEGER NOT NULL, status TEXT NOT NULL CHECK (status IN   ('active','completed','abandoned','transferred','timed_out')), outcome TEXT NOT NULL DEFAULT '', last_tree TEXT NOT NULL DEFAULT '', last_step TEXT NOT NULL DEFAULT '', steps INTEGER NOT NULL DEFAULT 0, events INTEGER NOT NULL DEFAULT 0);
CREATE TABLE events( sid INTEGER NOT NULL REFERENCES sessions(sid) ON DELETE CASCADE, seq INTEGER NOT NULL, time_ms INTEGER NOT NULL, kind TEXT NOT NULL, tree_id TEXT NOT NULL DEFAULT '', step_id TEXT NOT NULL DEFAULT '', step_kind TEXT NOT NULL DEFAULT '', choice_id TEXT NOT NULL DEFAULT '', label TEXT NOT NULL DEFAULT '', var TEXT NOT NULL DEFAULT '', value TEXT NOT NULL DEFAULT '', text TEXT NOT NULL DEFAULT '', outcome TEXT NOT NULL DEFAULT '', extra TEXT NOT NULL DEFAULT '', sensitive INTEGER NOT NULL DEFAULT 0, path_length INTEGER NOT NULL DEFAULT 0, CHECK (sensitive = 0 OR (value IN ('', '[redacted]') AND label IN ('', '[redacted]'))), PRIMARY KEY (sid, seq)) WITHOUT ROWID;
CREATE INDEX sessions_started ON sessions(started_ms);
CREATE INDEX events_step ON events(tree_id, step_id, kind);
CREATE INDEX sessions_tree ON sessions(tree_id, started_ms);
CREATE INDEX sessions_status ON sessions(status, started_ms);
CREATE INDEX sessions_agent ON sessions(agent, started_ms);
CREATE TABLE claims( sid INTEGER PRIMARY KEY REFERENCES sessions(sid) ON DELETE CASCADE, holder TEXT NOT NULL, host TEXT NOT NULL, pid INTEGER NOT NULL, since_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL, token TEXT NOT NULL);
CREATE TABLE tokens( name TEXT NOT NULL UNIQUE, role TEXT NOT NULL CHECK (role IN ('agent','manager')), hash TEXT NOT NULL UNIQUE, created_ms INTEGER NOT NULL, revoked_ms INTEGER);
CREATE TABLE sealed( sid INTEGER NOT NULL REFERENCES sessions(sid) ON DELETE CASCADE, seq INTEGER NOT NULL, box TEXT NOT NULL, PRIMARY KEY (sid, seq)) WITHOUT ROWID;
