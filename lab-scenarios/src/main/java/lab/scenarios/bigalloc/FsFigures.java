package lab.scenarios.bigalloc;

/**
 * What one filesystem showed in one comparison: throughput of fio's writes (bytes/s) and the
 * space, in bytes as statfs counts it, taken by fio's large files and by the small files.
 */
record FsFigures(String name, String loop, long blockBytes, long clusterBytes, double seqWriteBps, double randWriteBps,
                 double randWriteIops, long largeFilesBytes, long largeFilesUsed, long smallFiles, long smallFileBytes,
                 long smallFilesUsed, double smallFilesMs) {

    /** Space used per small file, in bytes. */
    double usedPerSmallFile() {
        return smallFiles == 0 ? 0 : (double) smallFilesUsed / smallFiles;
    }
}
