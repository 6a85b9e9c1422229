import com.hazelcast.config.Config;
import com.hazelcast.config.FileSystemYamlConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MapStoreConfig;
import com.hazelcast.config.RingbufferConfig;
import java.util.Properties;

/**
 * Loads config/hazelcast.yaml (or hazelcast-persistence.yaml) the way a member does and prints, as one JSON object on stdout,
 * the settings Hazelcast resolves for the given names (wildcard matching included; an ambiguous
 * match throws, which fails the test). Loading validates the file against Hazelcast's JSON
 * schema (members skip that to start faster), so a misspelt key throws too.
 *
 * Run by test/harness.test.ts with the Java source launcher:
 *   java -cp hazelcast.jar HazelcastConfigCheck.java CONFIG CLUSTER PORT MEMBERS ringbuffer:NAME map:NAME ...
 */
public class HazelcastConfigCheck {
    public static void main(String[] args) throws Exception {
        Properties properties = new Properties();
        properties.setProperty("actorgrid.cluster.name", args[1]);
        properties.setProperty("actorgrid.port", args[2]);
        properties.setProperty("actorgrid.members", args[3]);
        // Used by config/hazelcast-persistence.yaml (its import and its write-behind window).
        properties.setProperty("actorgrid.config.dir", new java.io.File(args[0]).getAbsoluteFile().getParent());
        properties.setProperty("actorgrid.pg.write.delay.seconds", "7");
        Config config = new FileSystemYamlConfig(args[0], properties);

        StringBuilder json = new StringBuilder("{");
        json.append("\"clusterName\":").append(quote(config.getClusterName()));
        json.append(",\"port\":").append(config.getNetworkConfig().getPort());
        json.append(",\"portAutoIncrement\":").append(config.getNetworkConfig().isPortAutoIncrement());
        json.append(",\"tcpIpMembers\":[");
        String separator = "";
        for (String member : config.getNetworkConfig().getJoin().getTcpIpConfig().getMembers()) {
            json.append(separator).append(quote(member));
            separator = ",";
        }
        json.append("],\"multicast\":").append(config.getNetworkConfig().getJoin().getMulticastConfig().isEnabled());
        json.append(",\"autoDetection\":").append(config.getNetworkConfig().getJoin().getAutoDetectionConfig().isEnabled());
        json.append(",\"properties\":{");
        separator = "";
        for (String name : config.getProperties().stringPropertyNames()) {
            json.append(separator).append(quote(name)).append(':').append(quote(config.getProperty(name)));
            separator = ",";
        }
        json.append("},\"items\":{");
        separator = "";
        for (int i = 4; i < args.length; i++) {
            String item = args[i];
            json.append(separator).append(quote(item)).append(':');
            separator = ",";
            if (item.startsWith("ringbuffer:")) {
                RingbufferConfig ringbuffer = config.getRingbufferConfig(item.substring("ringbuffer:".length()));
                json.append("{\"pattern\":").append(quote(ringbuffer.getName()))
                    .append(",\"capacity\":").append(ringbuffer.getCapacity())
                    .append(",\"backupCount\":").append(ringbuffer.getBackupCount())
                    .append(",\"timeToLiveSeconds\":").append(ringbuffer.getTimeToLiveSeconds()).append('}');
            } else if (item.startsWith("map:")) {
                MapConfig map = config.getMapConfig(item.substring("map:".length()));
                json.append("{\"pattern\":").append(quote(map.getName()))
                    .append(",\"backupCount\":").append(map.getBackupCount());
                MapStoreConfig store = map.getMapStoreConfig();
                if (store.isEnabled()) {
                    json.append(",\"mapStore\":{\"className\":").append(quote(store.getClassName()))
                        .append(",\"writeDelaySeconds\":").append(store.getWriteDelaySeconds())
                        .append(",\"initialLoadMode\":").append(quote(store.getInitialLoadMode().name())).append('}');
                }
                json.append('}');
            } else {
                throw new IllegalArgumentException("expected ringbuffer:NAME or map:NAME, got " + item);
            }
        }
        System.out.println(json.append("}}"));
    }

    private static String quote(String text) {
        return '"' + text.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }
}
