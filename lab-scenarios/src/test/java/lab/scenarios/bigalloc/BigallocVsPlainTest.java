package lab.scenarios.bigalloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class BigallocVsPlainTest {
    @Test
    void fioJsonRecordedHereGivesBandwidthIopsAndBytes() throws IOException {
        String out;
        try (InputStream in = BigallocVsPlainTest.class.getResourceAsStream("/bigalloc/fio-randwrite-plain.json")) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Fio f = Fio.parse("fio: note: a notice before the JSON\n" + out);
        assertEquals(16L << 20, f.bytesWritten());
        assertTrue(f.writeBps() > 0 && f.writeIops() > 0);
        assertThrows(IllegalArgumentException.class, () -> Fio.parse("fio: engine psync not loadable"));
    }

    private static FsFigures fs(String name, long cluster, long large, long small) {
        return new FsFigures(name, "/dev/loop9", 4096, cluster, 800e6, 76e6, 19_000, 80L << 20, large, 2000, 1024, small, 50);
    }

    @Test
    void theWasteVerdictIsTheRatioAgainstTheFactor() {
        // The figures of a 2,000-file run on 6.18: +8 MiB on ext4, +125 MiB on bigalloc 64k.
        BigallocVsPlain c = new BigallocVsPlain(fs("plain-0", 4096, 80L << 20, 8L << 20), fs("bigalloc-0", 65536, 81L << 20, 125L << 20));
        assertEquals(15.625, c.smallFilesRatio(), 1e-9);
        assertTrue(c.smallFilesWasted(4));
        assertFalse(c.smallFilesWasted(16));
        assertFalse(c.largeFilesWasted(4));
        List<String> t = c.table();
        assertTrue(t.get(0).contains("ext4 bigalloc 64k"), t.get(0));
        assertTrue(t.stream().anyMatch(l -> l.contains("2,000 x 1 KiB files") && l.contains("+8 MiB") && l.contains("+125 MiB") && l.contains("15.6x")),
                String.join("\n", t));
    }

    @Test
    void nothingUsedOnEitherSideIsNoWaste() {
        BigallocVsPlain c = new BigallocVsPlain(fs("p", 4096, 0, 0), fs("b", 65536, 0, 0));
        assertFalse(c.smallFilesWasted(4));
        assertEquals(Double.POSITIVE_INFINITY, new BigallocVsPlain(fs("p", 4096, 0, 0), fs("b", 65536, 0, 4096)).smallFilesRatio());
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = BigallocVsPlainTest.class.getResourceAsStream("/bigalloc/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void superblockFromDumpe2fsRecordedWithTheImagesE2fsprogs() throws IOException {
        // e2fsprogs 1.47.0 (the image's) on 256 MiB images: mkfs picks 1 KiB blocks for a file system that small.
        Superblock big = Superblock.parse(resource("dumpe2fs-bigalloc-64k.txt"));
        assertTrue(big.bigalloc());
        assertEquals(1024, big.blockBytes());
        assertEquals(65536, big.clusterBytes());
        Superblock plain = Superblock.parse(resource("dumpe2fs-plain.txt"));
        assertFalse(plain.bigalloc());
        assertEquals(plain.blockBytes(), plain.clusterBytes());
    }
}
