package lab.scenarios.bigalloc;

import java.util.List;

/**
 * What the filesystem really is, from `dumpe2fs -h`: block size, cluster size (dumpe2fs prints
 * it only for bigalloc) and features. The report states these, not what mkfs was asked for.
 */
record Superblock(long blockBytes, long clusterBytes, List<String> features) {
    static Superblock parse(String dumpe2fs) {
        long block = -1;
        long cluster = -1;
        List<String> features = List.of();
        for (String line : dumpe2fs.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) continue;
            String key = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            switch (key) {
                case "Block size" -> block = Long.parseLong(value);
                case "Cluster size" -> cluster = Long.parseLong(value);
                case "Filesystem features" -> features = List.of(value.split("\\s+"));
                default -> { }
            }
        }
        if (block <= 0) throw new IllegalArgumentException("no block size in dumpe2fs's output");
        return new Superblock(block, cluster > 0 ? cluster : block, features);
    }

    boolean bigalloc() {
        return features.contains("bigalloc");
    }
}
