package lab.gluster;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The gluster CLI's answers the readiness waits and the data check depend on, as GlusterFS 10.3 prints them. */
class GlusterOutputTest {
    @Test
    void peersCountOnlyConnectedMembers() {
        String out = """
                Number of Peers: 3

                Hostname: lab-1-gluster-2
                Uuid: 46b0c84b-132f-4fe8-b37c-3ffbba653fcb
                State: Peer in Cluster (Connected)

                Hostname: lab-1-gluster-3
                Uuid: b91cc797-a0b1-4956-a5fc-4a8e8ee31d3e
                State: Accepted peer request (Connected)

                Hostname: lab-1-gluster-4
                Uuid: 49ab380d-3ff0-4cab-862e-bc730f54fb2e
                State: Peer in Cluster (Connected)
                """;
        assertEquals(2, GlusterCluster.connectedPeers(out));
    }

    @Test
    void onlineBricksNeedStatusOneAndAPortAndSelfHealNodesDoNotCount() {
        String xml = """
                <volStatus><volumes><volume><volName>gv</volName><nodeCount>3</nodeCount>
                <node><hostname>s1</hostname><path>/bricks/b</path><peerid>a</peerid><status>1</status><port>57837</port>
                  <ports><tcp>57837</tcp><rdma>N/A</rdma></ports><pid>169</pid></node>
                <node><hostname>s2</hostname><path>/bricks/b</path><peerid>b</peerid><status>0</status><port>N/A</port>
                  <ports><tcp>N/A</tcp><rdma>N/A</rdma></ports><pid>-1</pid></node>
                <node><hostname>Self-heal Daemon</hostname><path>localhost</path><peerid>a</peerid><status>1</status><port>N/A</port>
                  <ports><tcp>N/A</tcp><rdma>N/A</rdma></ports><pid>200</pid></node>
                </volume></volumes></volStatus>
                """;
        assertEquals(1, GlusterCluster.bricksOnline(xml));
    }

    @Test
    void healPendingSumsEntriesAndRefusesADisconnectedBrick() {
        String done = """
                Brick s1:/bricks/b
                Status: Connected
                Number of entries: 0

                Brick s2:/bricks/b
                Status: Connected
                Number of entries: 0
                """;
        assertEquals(0, GlusterCluster.healPending(done));
        assertEquals(2, GlusterCluster.healPending(done.replaceFirst("entries: 0", "entries: 2")));
        assertEquals(-1, GlusterCluster.healPending(done.replaceFirst("Status: Connected", "Status: Transport endpoint is not connected")));
        assertEquals(-1, GlusterCluster.healPending(""));
    }

    @Test
    void settingsAreOptionValuePairs() {
        String out = """
                Option                                  Value                                  \s
                ------                                  -----                                  \s
                performance.flush-behind                off                                    \s
                network.ping-timeout                    42                                     \s
                performance.write-behind-window-size    1MB                                    \s
                """;
        assertEquals(Map.of("performance.flush-behind", "off", "network.ping-timeout", "42", "performance.write-behind-window-size", "1MB"),
                GlusterCluster.parseSettings(out));
    }

    @Test
    void brickClientsByBrick() {
        String out = """
                Client connections for volume gv
                ----------------------------------------------
                Brick : s1:/bricks/b
                Clients connected : 2
                Hostname                                               BytesRead    BytesWritten       OpVersion
                --------                                               ---------    ------------       ---------
                172.18.0.6:49149                                            1234           5678           100000
                172.18.0.2:49151                                             100            200           100000
                ----------------------------------------------
                Brick : s2:/bricks/b
                Clients connected : 0
                Hostname                                               BytesRead    BytesWritten       OpVersion
                --------                                               ---------    ------------       ---------
                ----------------------------------------------
                """;
        assertEquals(Map.of("s1:/bricks/b", List.of("172.18.0.6:49149", "172.18.0.2:49151"), "s2:/bricks/b", List.of()),
                GlusterCluster.parseBrickClients(out));
    }

    @Test
    void holdersFromPathinfo() {
        String info = "(<DISTRIBUTE:gv-dht> (<REPLICATE:gv-replicate-1> <POSIX(/bricks/b):lab-1-gluster-3:/bricks/b/a.bin>"
                + " <POSIX(/bricks/b):lab-1-gluster-4:/bricks/b/a.bin>))";
        List<String[]> h = GlusterClient.parseHolders(info);
        assertEquals(2, h.size());
        assertArrayEquals(new String[] {"lab-1-gluster-3", "/bricks/b"}, h.get(0));
        assertArrayEquals(new String[] {"lab-1-gluster-4", "/bricks/b"}, h.get(1));
    }
}
