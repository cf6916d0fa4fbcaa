package dev.saef.keys.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The key store's tables, created and migrated by the provider: {@code saef_schema_version} records the versions
 * applied; each migration runs once, in order, in one transaction that first takes a transaction-scoped advisory lock
 * ({@code pg_advisory_xact_lock}), so two nodes starting at once against an empty database do not race (the second
 * waits, then finds the work done). Idempotent. A database whose version is newer than this code knows is refused.
 *
 * <p>Version 1:
 * <ul>
 *   <li>{@code saef_key_store}: one row, the KEK parameters (KDF name, salt, PBKDF2 iteration count, wrap algorithm)
 *       and the password check value ({@link KeyWrap});</li>
 *   <li>{@code saef_kpsa}: {@code kpsa_id} (exact, {@code COLLATE "C"}) to {@code wrapped_key} (never the key);</li>
 *   <li>triggers that {@code NOTIFY} channel {@value #CHANNEL} with the changed KpsaID after every insert, update or
 *       delete (an empty payload after a {@code TRUNCATE}), from any client, so every node drops its cached
 *       entry.</li>
 * </ul>
 */
final class Schema {

    /** The {@code LISTEN}/{@code NOTIFY} channel. */
    static final String CHANNEL = "saef_kpsa";
    /** An arbitrary 64-bit advisory lock key: "SAEFKEYS" in ASCII. */
    static final long LOCK_KEY = 0x534145464b455953L;

    private static final List<String> V1 = List.of(
            "CREATE TABLE saef_key_store ("
                    + " id smallint PRIMARY KEY CHECK (id = 1),"
                    + " kdf text NOT NULL, salt bytea NOT NULL, iterations integer NOT NULL CHECK (iterations > 0),"
                    + " wrap text NOT NULL, check_value bytea NOT NULL,"
                    + " created_at timestamptz NOT NULL DEFAULT now())",
            "CREATE TABLE saef_kpsa ("
                    + " kpsa_id text COLLATE \"C\" PRIMARY KEY,"
                    + " wrapped_key bytea NOT NULL,"
                    + " created_at timestamptz NOT NULL DEFAULT now(),"
                    + " updated_at timestamptz NOT NULL DEFAULT now())",
            "CREATE FUNCTION saef_kpsa_notify() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                    + " IF TG_OP = 'TRUNCATE' THEN PERFORM pg_notify('" + CHANNEL + "', ''); RETURN NULL; END IF;"
                    + " IF TG_OP <> 'INSERT' THEN PERFORM pg_notify('" + CHANNEL + "', OLD.kpsa_id); END IF;"
                    + " IF TG_OP <> 'DELETE' THEN PERFORM pg_notify('" + CHANNEL + "', NEW.kpsa_id); END IF;"
                    + " RETURN NULL; END $$",
            "CREATE TRIGGER saef_kpsa_changed AFTER INSERT OR UPDATE OR DELETE ON saef_kpsa"
                    + " FOR EACH ROW EXECUTE FUNCTION saef_kpsa_notify()",
            "CREATE TRIGGER saef_kpsa_truncated AFTER TRUNCATE ON saef_kpsa"
                    + " FOR EACH STATEMENT EXECUTE FUNCTION saef_kpsa_notify()");

    /** Migrations; index i brings the schema to version i + 1. Append, never edit. */
    static final List<List<String>> MIGRATIONS = List.of(V1);

    private Schema() {
    }

    /**
     * Brings the database to the newest schema version.
     *
     * @return the schema version
     * @throws SQLException when the database refuses, or was migrated by newer code
     */
    static int migrate(Connection c) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute("SELECT pg_advisory_xact_lock(" + LOCK_KEY + ")");
            s.execute("CREATE TABLE IF NOT EXISTS saef_schema_version ("
                    + " version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())");
            int version = 0;
            try (ResultSet rs = s.executeQuery("SELECT coalesce(max(version), 0) FROM saef_schema_version")) {
                rs.next();
                version = rs.getInt(1);
            }
            if (version > MIGRATIONS.size()) {
                throw new SQLException("the key store tables are at schema version " + version + ", newer than this"
                        + " SAEF-JSSE knows (" + MIGRATIONS.size() + "); upgrade SAEF-JSSE on this node");
            }
            for (int v = version; v < MIGRATIONS.size(); v++) {
                for (String sql : MIGRATIONS.get(v)) {
                    s.execute(sql);
                }
                try (PreparedStatement p = c.prepareStatement("INSERT INTO saef_schema_version (version) VALUES (?)")) {
                    p.setInt(1, v + 1);
                    p.executeUpdate();
                }
            }
            c.commit();
            return MIGRATIONS.size();
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly(c);
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }

    static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException e) {
            // the connection is broken; the caller discards it
        }
    }
}
