package lab.core.lava;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import lab.api.UsageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deploy action of the lab's LAVA jobs as the definitions carry it: every image an HTTP URL of
 * the callback server with its SHA-256, no path of this host (no file:// URL, no 9p share), the
 * lab itself handed to the guest by URL and digest; and the callback setting as --lava takes it.
 */
class LavaDefinitionTest {
    @Test
    void everyImageIsAnHttpUrlOfTheCallbackWithItsDigestAndNoHostPath(@TempDir Path tmp) throws Exception {
        try (Callback c = Callback.open(ReceiverTest.LOOPBACK)) {
            Artifacts a = new Artifacts(c);
            java.util.function.Function<String, Artifacts.Artifact> f = n -> {
                try {
                    return a.add(n, Files.writeString(tmp.resolve(n), "the file " + n), null);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            };
            LavaColumn.Deployed d = new LavaColumn.Deployed(f.apply("vmlinuz"), f.apply("initrd.cpio.gz"), f.apply("root.qcow2"),
                    f.apply("data.qcow2"), f.apply("modules.qcow2"), f.apply("config"), f.apply("lava-init.sh"), f.apply("lab-init.sh"),
                    f.apply("lab.tar.gz"));
            // the guests' command line ends with panic=-1 (Guests.CMDLINE)
            Map<String, Object> images = LavaColumn.images(d, "console=ttyS0 root=/dev/vda panic=-1");
            String yaml = new ObjectMapper(new YAMLFactory()).writeValueAsString(Map.of("images", images));
            assertFalse(yaml.contains("file://"), yaml);
            assertFalse(yaml.contains("9p") || yaml.contains("fsdev") || yaml.contains(tmp.toString()), yaml);
            assertEquals(java.util.List.of("disk1root", "disk2modules", "disk3data", "kernel", "ramdisk", "init", "labinit", "config"),
                    java.util.List.copyOf(images.keySet()));
            for (Map.Entry<String, Object> e : images.entrySet()) {
                @SuppressWarnings("unchecked")
                Map<String, Object> m = (Map<String, Object>) e.getValue();
                String url = (String) m.get("url");
                assertTrue(url.startsWith(c.forWorker() + "/artifacts/"), e.getKey() + ": " + url);
                assertTrue(((String) m.get("sha256sum")).matches("[0-9a-f]{64}"), e.getKey() + ": " + m);
                // A disk stays the qcow2 it is: LAVA's format: qcow2 would expand it to a raw file of its whole size.
                if (e.getKey().startsWith("disk")) assertNull(m.get("format"), e.getKey() + ": " + m);
            }
            String kernelArg = (String) ((Map<?, ?>) images.get("kernel")).get("image_arg");
            assertTrue(kernelArg.contains("opt/lab/lab-url,string=" + d.lab().guestUrl()), kernelArg);
            assertTrue(kernelArg.contains("opt/lab/lab-sha256,string=" + d.lab().sha256()), kernelArg);
            // a guest whose kernel locks up ends its job, not waits out the test action's limit
            assertTrue(kernelArg.contains(" panic=-1 ") && kernelArg.contains(" softlockup_panic=1 watchdog_thresh=30\""), kernelArg);
            assertTrue(d.lab().guestUrl().startsWith("http://10.0.2.2:"), d.lab().guestUrl());
        }
    }

    @Test
    void theCallbackIsAnHttpAddressAndDefaultsToTheRouteToTheServer() throws Exception {
        LavaSpec s = LavaSpec.parse("http://lava.example:8000,callback=http://172.30.0.1:8020");
        assertEquals(URI.create("http://172.30.0.1:8020"), s.callback());
        assertEquals(s, LavaSpec.parse(s.spec()));
        assertNull(LavaSpec.parse("http://lava.example:8000").callback());
        for (String bad : new String[] {"https://h:1", "http://h:1/path", "file:///tmp/x", "http://u@h:1", "http://h:1?x=1"}) {
            assertThrows(UsageException.class, () -> LavaSpec.parse("http://lava.example:8000,callback=" + bad), bad);
        }
        assertEquals(InetAddress.getByName("127.0.0.1"), Callback.routeSource(URI.create("http://127.0.0.1:8010/")));
        try (Callback c = Callback.open(LavaSpec.parse("http://127.0.0.1:8010"))) {
            assertTrue(c.forWorker().startsWith("http://127.0.0.1:"), c.forWorker());
        }
    }
}
