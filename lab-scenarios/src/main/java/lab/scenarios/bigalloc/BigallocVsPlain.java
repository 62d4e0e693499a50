package lab.scenarios.bigalloc;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Plain ext4 against ext4 with bigalloc, from one trial: the verdicts and the side-by-side report. */
record BigallocVsPlain(FsFigures plain, FsFigures bigalloc) {

    /** How many times plain ext4's space the small files take on bigalloc. */
    double smallFilesRatio() {
        return ratio(bigalloc.smallFilesUsed(), plain.smallFilesUsed());
    }

    double largeFilesRatio() {
        return ratio(bigalloc.largeFilesUsed(), plain.largeFilesUsed());
    }

    /** The documented waste: bigalloc used at least {@code factor} times the space. */
    boolean smallFilesWasted(double factor) {
        return smallFilesRatio() >= factor;
    }

    boolean largeFilesWasted(double factor) {
        return largeFilesRatio() >= factor;
    }

    private static double ratio(long a, long b) {
        if (b <= 0) return a <= 0 ? 1.0 : Double.POSITIVE_INFINITY;
        return (double) a / b;
    }

    Map<String, Object> asMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("plain", plain);
        m.put("bigalloc", bigalloc);
        m.put("smallFilesRatio", round(smallFilesRatio()));
        m.put("largeFilesRatio", round(largeFilesRatio()));
        return m;
    }

    /** The report's table: one row per figure, the two filesystems side by side. */
    List<String> table() {
        List<String> rows = new ArrayList<>();
        String big = "ext4 bigalloc " + bigalloc.clusterBytes() / 1024 + "k";
        rows.add(String.format(Locale.ROOT, "  %-40s %24s %24s", "", "ext4", big));
        rows.add(row("block / cluster (dumpe2fs)", bytes(plain.blockBytes()) + " / " + bytes(plain.clusterBytes()),
                bytes(bigalloc.blockBytes()) + " / " + bytes(bigalloc.clusterBytes()), ""));
        rows.add(row("sequential write (fio, 1 MiB, O_DIRECT)", mibs(plain.seqWriteBps()), mibs(bigalloc.seqWriteBps()),
                String.format(Locale.ROOT, "%.2fx", bigalloc.seqWriteBps() / plain.seqWriteBps())));
        rows.add(row("random write (fio, 4 KiB, O_DIRECT)", mibs(plain.randWriteBps()) + String.format(Locale.ROOT, " %.0f IOPS", plain.randWriteIops()),
                mibs(bigalloc.randWriteBps()) + String.format(Locale.ROOT, " %.0f IOPS", bigalloc.randWriteIops()),
                String.format(Locale.ROOT, "%.2fx", bigalloc.randWriteBps() / plain.randWriteBps())));
        rows.add(row("space for fio's " + mib(plain.largeFilesBytes()) + " of files", "+" + mib(plain.largeFilesUsed()),
                "+" + mib(bigalloc.largeFilesUsed()), String.format(Locale.ROOT, "%.2fx", largeFilesRatio())));
        rows.add(row(String.format(Locale.ROOT, "space for %,d x %s files", plain.smallFiles(), bytes(plain.smallFileBytes())),
                "+" + mib(plain.smallFilesUsed()), "+" + mib(bigalloc.smallFilesUsed()), String.format(Locale.ROOT, "%.1fx", smallFilesRatio())));
        rows.add(row("per small file", bytes((long) plain.usedPerSmallFile()), bytes((long) bigalloc.usedPerSmallFile()), ""));
        return rows;
    }

    private static String row(String what, String a, String b, String ratio) {
        return String.format(Locale.ROOT, "  %-40s %24s %24s  %s", what, a, b, ratio);
    }

    static String mibs(double bps) {
        return String.format(Locale.ROOT, "%.1f MiB/s", bps / (1 << 20));
    }

    static String mib(long b) {
        return String.format(Locale.ROOT, "%.0f MiB", b / (double) (1 << 20));
    }

    static String bytes(long b) {
        if (b >= 1 << 20 && b % (1 << 20) == 0) return (b >> 20) + " MiB";
        if (b >= 1024 && b % 1024 == 0) return (b >> 10) + " KiB";
        if (b >= 1024) return String.format(Locale.ROOT, "%.1f KiB", b / 1024.0);
        return b + " B";
    }

    static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
