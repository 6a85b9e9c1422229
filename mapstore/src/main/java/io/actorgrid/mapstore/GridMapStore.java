package io.actorgrid.mapstore;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.MapLoaderLifecycleSupport;
import com.hazelcast.map.MapStore;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Hazelcast MapStore and MapLoader of actorgrid's persisted maps ({@code actor.*}: byte[] msgpack
 * records; {@code data.*}: HazelcastJsonValue records) in PostgreSQL. Hazelcast makes one instance
 * per map; all of a member's instances share one connection pool (see {@link PgDatabase}).
 *
 * <p>Write-through (write-delay-seconds 0): {@code store} returns once PostgreSQL committed, and
 * only then does the member change its in-memory entry and answer the client. Write-behind: the
 * member batches changes into {@code storeAll}/{@code deleteAll}, each one transaction.
 *
 * <p>{@code loadAllKeys} returns nothing unless {@code load-all-keys} is {@code eager}: entries are
 * then loaded on first access ({@code load}); eager lists every key so the map warms up in bulk.
 *
 * <p>Configured in the member config:
 * <pre>
 * map:
 *   actor.*:
 *     map-store:
 *       enabled: true
 *       class-name: io.actorgrid.mapstore.GridMapStore
 *       write-delay-seconds: 0
 *       properties:
 *         load-all-keys: lazy
 * </pre>
 */
public class GridMapStore implements MapStore<String, Object>, MapLoaderLifecycleSupport {
  private String mapName;
  private PgSettings settings;
  private PgDatabase db;

  @Override
  public void init(HazelcastInstance hazelcastInstance, Properties properties, String mapName) {
    this.mapName = mapName;
    this.settings = PgSettings.resolve(properties);
    this.db = PgDatabase.forSettings(settings);
  }

  @Override
  public void destroy() {
    // The pool is shared by the member's other maps and lives as long as the member.
  }

  @Override
  public void store(String key, Object value) {
    db.run("store " + mapName + "[" + key + "]", c -> {
      db.table().storeAll(c, mapName, Map.of(key, value));
      return null;
    });
  }

  @Override
  public void storeAll(Map<String, Object> entries) {
    if (entries.isEmpty()) return;
    db.run("store " + entries.size() + " entries of " + mapName, c -> {
      db.table().storeAll(c, mapName, entries);
      return null;
    });
  }

  @Override
  public void delete(String key) {
    deleteAll(List.of(key));
  }

  @Override
  public void deleteAll(Collection<String> keys) {
    if (keys.isEmpty()) return;
    db.run("delete " + keys.size() + " entries of " + mapName, c -> {
      db.table().deleteAll(c, mapName, keys);
      return null;
    });
  }

  @Override
  public Object load(String key) {
    return db.run("load " + mapName + "[" + key + "]", c -> db.table().load(c, mapName, key));
  }

  @Override
  public Map<String, Object> loadAll(Collection<String> keys) {
    return db.run("load " + keys.size() + " entries of " + mapName, c -> db.table().loadAll(c, mapName, keys));
  }

  @Override
  public Iterable<String> loadAllKeys() {
    if (!settings.eagerKeys) return null; // lazy: nothing is loaded up front
    return db.run("list the keys of " + mapName, c -> db.table().keys(c, mapName));
  }
}
