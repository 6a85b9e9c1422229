package io.actorgrid.mapstore;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * Where and how the MapStore reaches PostgreSQL. Each setting is looked up, first found wins, as:
 * the map-store property in the member config (e.g. {@code load-all-keys: eager}), the system
 * property {@code actorgrid.pg.<name>}, the environment variable {@code ACTORGRID_PG_<NAME>}.
 * Without a {@code url}, the usual libpq variables build one: PGHOST (127.0.0.1), PGPORT (5432),
 * PGDATABASE (postgres), PGUSER (postgres), PGPASSWORD (none).
 *
 * <p>{@code url} is either a JDBC URL ({@code jdbc:postgresql://host:5432/db?user=u}) or a libpq
 * URI ({@code postgres://user:secret@host:5432/db}).
 */
public final class PgSettings {
  private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  /** JDBC URL, without user and password. */
  public final String jdbcUrl;
  /** May be null: a JDBC URL's own {@code ?user=}, else the driver's default. */
  public final String user;
  /** May be null (trust or peer authentication). */
  public final String password;
  /** The schema holding the entry table; created on first use. */
  public final String schema;
  /** Connections per member (one pool per member and database, shared by every map). */
  public final int poolSize;
  /** How long a statement waits for a connection before the call fails as unavailable. */
  public final long connectTimeoutMs;
  /** Whether {@code loadAllKeys} lists the map's keys (eager warm-up) or nothing (lazy). */
  public final boolean eagerKeys;

  private PgSettings(Lookup lookup) {
    String url = lookup.get("url", null);
    String parsedUser = null;
    String parsedPassword = null;
    boolean jdbcGiven = false;
    if (url == null) {
      String host = lookup.env("PGHOST", "127.0.0.1");
      String port = lookup.env("PGPORT", "5432");
      String db = lookup.env("PGDATABASE", "postgres");
      url = "jdbc:postgresql://" + host + ":" + port + "/" + db;
      parsedUser = lookup.env("PGUSER", null);
      parsedPassword = lookup.env("PGPASSWORD", null);
    } else if (url.startsWith("postgres://") || url.startsWith("postgresql://")) {
      URI uri = URI.create(url);
      String info = uri.getRawUserInfo();
      if (info != null) {
        int colon = info.indexOf(':');
        parsedUser = decode(colon < 0 ? info : info.substring(0, colon));
        if (colon >= 0) parsedPassword = decode(info.substring(colon + 1));
      }
      int port = uri.getPort() < 0 ? 5432 : uri.getPort();
      String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/postgres" : uri.getRawPath();
      url = "jdbc:postgresql://" + uri.getHost() + ":" + port + path + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    } else if (url.startsWith("jdbc:postgresql:")) {
      jdbcGiven = true;
    } else {
      throw new IllegalArgumentException("actorgrid.pg.url must start with jdbc:postgresql:, postgres:// or postgresql://, got " + url);
    }
    this.jdbcUrl = url;
    // A JDBC URL may carry its own ?user=: then only an explicit user overrides it.
    String defaultUser = jdbcGiven ? lookup.env("PGUSER", null) : lookup.env("PGUSER", "postgres");
    this.user = lookup.get("user", parsedUser != null ? parsedUser : defaultUser);
    this.password = lookup.get("password", parsedPassword != null ? parsedPassword : lookup.env("PGPASSWORD", null));
    this.schema = lookup.get("schema", "actorgrid");
    if (!IDENTIFIER.matcher(schema).matches()) {
      throw new IllegalArgumentException("actorgrid.pg.schema must be a lower-case SQL identifier ([a-z_][a-z0-9_]*), got " + schema);
    }
    this.poolSize = Integer.parseInt(lookup.get("pool-size", "8"));
    this.connectTimeoutMs = Long.parseLong(lookup.get("connect-timeout-ms", "2000"));
    String keys = lookup.get("load-all-keys", "lazy");
    if (!keys.equals("lazy") && !keys.equals("eager")) {
      throw new IllegalArgumentException("actorgrid.pg.load-all-keys must be lazy or eager, got " + keys);
    }
    this.eagerKeys = keys.equals("eager");
  }

  /** Resolves the settings for one map from its map-store properties, system properties and environment. */
  public static PgSettings resolve(Properties mapStoreProperties) {
    return new PgSettings(new Lookup(mapStoreProperties, System.getProperties(), System.getenv()));
  }

  /** Identifies the database a pool connects to: maps with the same key share one pool. */
  String poolKey() {
    return jdbcUrl + "|" + user + "|" + schema + "|" + poolSize + "|" + connectTimeoutMs;
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  private static final class Lookup {
    private final Properties mapStore;
    private final Properties system;
    private final Map<String, String> env;

    Lookup(Properties mapStore, Properties system, Map<String, String> env) {
      this.mapStore = mapStore == null ? new Properties() : mapStore;
      this.system = system;
      this.env = env;
    }

    String get(String name, String fallback) {
      String value = mapStore.getProperty(name);
      if (blank(value)) value = system.getProperty("actorgrid.pg." + name);
      if (blank(value)) value = env.get("ACTORGRID_PG_" + name.toUpperCase().replace('-', '_'));
      return blank(value) ? fallback : value.trim();
    }

    String env(String name, String fallback) {
      String value = env.get(name);
      return blank(value) ? fallback : value;
    }

    private static boolean blank(String value) {
      // An unset ${...} in the member config stays literal: treat it as not given.
      return value == null || value.isBlank() || value.startsWith("${");
    }
  }
}
