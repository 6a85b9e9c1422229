package io.actorgrid.mapstore;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One pooled PostgreSQL database per member (HikariCP), shared by every map whose settings name
 * the same database and schema. Creates the schema and the entry table on first use (idempotent
 * DDL under an advisory lock, so members starting together do not race), and turns
 * {@link SQLException}s into {@link StoreUnavailableException} (cannot reach the database) or
 * {@link StoreFailedException} (the database refused).
 */
public final class PgDatabase {
  /** A pool per member JVM and database: maps come and go, connections stay. */
  private static final ConcurrentHashMap<String, PgDatabase> POOLS = new ConcurrentHashMap<>();
  /** Key of the advisory lock that serialises the DDL of concurrent first starts. */
  private static final long DDL_LOCK = 0x6163746f72677269L; // "actorgri"

  private final HikariDataSource pool;
  private final EntryTable table;
  private volatile boolean schemaReady;

  private PgDatabase(PgSettings settings) {
    HikariConfig config = new HikariConfig();
    config.setPoolName("actorgrid-mapstore");
    config.setJdbcUrl(settings.jdbcUrl);
    if (settings.user != null) config.setUsername(settings.user);
    if (settings.password != null) config.setPassword(settings.password);
    config.setMaximumPoolSize(settings.poolSize);
    config.setMinimumIdle(1);
    config.setConnectionTimeout(settings.connectTimeoutMs);
    config.setValidationTimeout(Math.max(250, Math.min(settings.connectTimeoutMs, 1000)));
    // Start even while the database is down: calls fail as unavailable until it is back.
    config.setInitializationFailTimeout(-1);
    config.setAutoCommit(true);
    // A dead peer must not hold a partition thread forever: bounded connect and socket waits.
    config.addDataSourceProperty("connectTimeout", String.valueOf(Math.max(1, settings.connectTimeoutMs / 1000)));
    config.addDataSourceProperty("socketTimeout", "30");
    config.addDataSourceProperty("tcpKeepAlive", "true");
    config.addDataSourceProperty("ApplicationName", "actorgrid-mapstore");
    this.pool = new HikariDataSource(config);
    this.table = new EntryTable(settings.schema);
  }

  /** The shared database for these settings, created on first call. */
  public static PgDatabase forSettings(PgSettings settings) {
    return POOLS.computeIfAbsent(settings.poolKey(), key -> new PgDatabase(settings));
  }

  /** SQL of the entry table. */
  public EntryTable table() {
    return table;
  }

  /** Work done with one pooled connection. */
  @FunctionalInterface
  public interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  /**
   * Runs {@code work} on a pooled connection (in autocommit mode unless the work changes it),
   * creating the schema first if this member has not yet.
   *
   * @throws StoreUnavailableException when the database cannot be reached
   * @throws StoreFailedException when it refused the statement
   */
  public <T> T run(String what, Work<T> work) {
    try (Connection connection = pool.getConnection()) {
      if (!schemaReady) createSchema(connection);
      return work.run(connection);
    } catch (SQLException e) {
      throw translate(what, e);
    }
  }

  private synchronized void createSchema(Connection connection) throws SQLException {
    if (schemaReady) return;
    connection.setAutoCommit(false);
    try (Statement statement = connection.createStatement()) {
      statement.execute("SELECT pg_advisory_xact_lock(" + DDL_LOCK + ")");
      for (String ddl : table.ddl()) statement.execute(ddl);
      connection.commit();
    } catch (SQLException e) {
      connection.rollback();
      throw e;
    } finally {
      connection.setAutoCommit(true);
    }
    schemaReady = true;
  }

  private static RuntimeException translate(String what, SQLException e) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    // 08: connection exceptions; 57P01-03: server shutting down / cannot connect now; 53: out of resources.
    boolean unreachable = e instanceof SQLTransientConnectionException
        || state.startsWith("08") || state.startsWith("57P") || state.startsWith("53");
    String message = "actorgrid-mapstore: " + what + ": " + e.getMessage() + (state.isEmpty() ? "" : " [SQLState " + state + "]");
    return unreachable ? new StoreUnavailableException(message, e) : new StoreFailedException(message, e);
  }
}
