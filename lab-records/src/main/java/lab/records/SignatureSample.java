package lab.records;

/** Where a signature was seen (a path relative to the history's directory) and the line or stack it came from. */
public record SignatureSample(String path, String text) { }
