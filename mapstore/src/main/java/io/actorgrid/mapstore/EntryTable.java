package io.actorgrid.mapstore;

import com.hazelcast.core.HazelcastJsonValue;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The one keyed table that holds every persisted map: {@code <schema>.grid_entries(map, key, ...)}.
 *
 * <p>One table for all maps, not one per map: the DDL is fixed (created once, no identifiers built
 * from user-chosen actor type names such as {@code actor.Order-v2}), a new actor type or collection
 * needs no migration, and a map's rows are one range of the primary key, so {@code loadAllKeys} is
 * an index range scan.
 *
 * <p>Values are kept exactly as the grid holds them: {@code bin bytea} for binary maps (actor state,
 * msgpack), {@code json text} for JSON maps (collection records, HazelcastJsonValue). The JSON text
 * is kept byte for byte because Hazelcast's {@code replace(key, old, new)} compares serialized
 * values: jsonb normalises whitespace and key order, so a record loaded back from jsonb would never
 * again match the text a client holds. For SQL, {@code doc jsonb} is generated from it (queryable
 * with {@code ->>}, {@code @>}, indexable).
 */
public final class EntryTable {
  /** Largest key list sent in one statement. */
  static final int CHUNK = 1000;

  private final String table;
  private final String schema;

  EntryTable(String schema) {
    this.schema = schema;
    this.table = "\"" + schema + "\".grid_entries";
  }

  /** Idempotent DDL, run once per member under an advisory lock. */
  List<String> ddl() {
    return List.of(
        "CREATE SCHEMA IF NOT EXISTS \"" + schema + "\"",
        "CREATE TABLE IF NOT EXISTS " + table + " ("
            + " map text NOT NULL,"
            + " key text NOT NULL,"
            + " bin bytea,"
            + " json text,"
            + " doc jsonb GENERATED ALWAYS AS (json::jsonb) STORED,"
            + " updated_at timestamptz NOT NULL DEFAULT now(),"
            + " PRIMARY KEY (map, key),"
            + " CHECK ((bin IS NULL) <> (json IS NULL)))");
  }

  /** The value of one entry, or null. */
  Object load(Connection c, String map, String key) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT bin, json FROM " + table + " WHERE map = ? AND key = ?")) {
      s.setString(1, map);
      s.setString(2, key);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? value(rs) : null;
      }
    }
  }

  /** The values of the keys that exist. */
  Map<String, Object> loadAll(Connection c, String map, Collection<String> keys) throws SQLException {
    Map<String, Object> found = new HashMap<>();
    for (List<String> chunk : chunks(keys)) {
      try (PreparedStatement s = c.prepareStatement("SELECT key, bin, json FROM " + table + " WHERE map = ? AND key = ANY (?)")) {
        s.setString(1, map);
        s.setArray(2, textArray(c, chunk));
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) found.put(rs.getString(1), value(rs));
        }
      }
    }
    return found;
  }

  /** Every key of the map (streamed from a cursor). */
  List<String> keys(Connection c, String map) throws SQLException {
    List<String> keys = new ArrayList<>();
    c.setAutoCommit(false); // the driver only streams with a cursor inside a transaction
    try (PreparedStatement s = c.prepareStatement("SELECT key FROM " + table + " WHERE map = ?")) {
      s.setFetchSize(10_000);
      s.setString(1, map);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) keys.add(rs.getString(1));
      }
      c.commit();
    } finally {
      c.setAutoCommit(true);
    }
    return keys;
  }

  /** Inserts or replaces entries in one transaction (a batch of one statement per entry). */
  void storeAll(Connection c, String map, Map<String, Object> entries) throws SQLException {
    boolean batch = entries.size() > 1;
    if (batch) c.setAutoCommit(false);
    try (PreparedStatement s = c.prepareStatement(
        "INSERT INTO " + table + " (map, key, bin, json) VALUES (?, ?, ?, ?)"
            + " ON CONFLICT (map, key) DO UPDATE SET bin = EXCLUDED.bin, json = EXCLUDED.json, updated_at = now()")) {
      for (Map.Entry<String, Object> entry : entries.entrySet()) {
        Object value = entry.getValue();
        s.setString(1, map);
        s.setString(2, entry.getKey());
        if (value instanceof byte[] bytes) {
          s.setBytes(3, bytes);
          s.setNull(4, java.sql.Types.VARCHAR);
        } else if (value instanceof HazelcastJsonValue json) {
          s.setNull(3, java.sql.Types.BINARY);
          s.setString(4, json.toString());
        } else {
          throw new StoreFailedException("actorgrid-mapstore: " + map + "[" + entry.getKey() + "] holds a "
              + (value == null ? "null" : value.getClass().getName()) + "; only byte[] and HazelcastJsonValue are stored", null);
        }
        if (batch) s.addBatch();
        else s.executeUpdate();
      }
      if (batch) {
        s.executeBatch();
        c.commit();
      }
    } catch (SQLException | RuntimeException e) {
      if (batch) c.rollback();
      throw e;
    } finally {
      if (batch) c.setAutoCommit(true);
    }
  }

  /** Deletes entries (absent ones are ignored). */
  void deleteAll(Connection c, String map, Collection<String> keys) throws SQLException {
    for (List<String> chunk : chunks(keys)) {
      try (PreparedStatement s = c.prepareStatement("DELETE FROM " + table + " WHERE map = ? AND key = ANY (?)")) {
        s.setString(1, map);
        s.setArray(2, textArray(c, chunk));
        s.executeUpdate();
      }
    }
  }

  private static Object value(ResultSet rs) throws SQLException {
    byte[] bin = rs.getBytes("bin");
    return bin != null ? bin : new HazelcastJsonValue(rs.getString("json"));
  }

  private static Array textArray(Connection c, List<String> keys) throws SQLException {
    return c.createArrayOf("text", keys.toArray());
  }

  private static List<List<String>> chunks(Collection<String> keys) {
    List<List<String>> chunks = new ArrayList<>();
    List<String> all = new ArrayList<>(keys);
    for (int i = 0; i < all.size(); i += CHUNK) chunks.add(all.subList(i, Math.min(all.size(), i + CHUNK)));
    return chunks;
  }
}
