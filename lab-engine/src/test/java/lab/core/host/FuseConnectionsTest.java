package lab.core.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Set;
import org.junit.jupiter.api.Test;

class FuseConnectionsTest {
    @Test
    void onlyFuseConnectionsUnderTheRunsPrefix() {
        String mountinfo = String.join("\n",
                "62 75 0:67 / /lab/r1/mnt rw,nosuid,nodev,relatime - fuse.lab-fused lab-fused rw,user_id=0,group_id=0",
                "63 75 0:68 / /lab/r2/mnt rw,relatime - fuse.lab-fused lab-fused rw,user_id=0,group_id=0",
                "64 75 0:69 / /home/user/sshfs rw,relatime - fuse.sshfs host: rw,user_id=1000",
                "65 75 7:3 / /lab/r1/ext4 rw,relatime - ext4 /dev/loop3 rw",
                "66 75 0:70 / /lab/r1/group-0/container-1/temp rw shared:5 - fuse.lab-cycle lab-cycle rw");
        assertEquals(Set.of("67", "70"), FuseConnections.fuseConnections(mountinfo, "/lab/r1/"));
    }
}
