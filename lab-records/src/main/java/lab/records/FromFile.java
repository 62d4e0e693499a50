package lab.records;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;
import lab.api.UsageException;
import lab.bundle.BundleFiles;
import lab.bundle.Json;

/**
 * What the lab reads back from a file it did not just write (a bundle copied from another host,
 * a killed bisection's bisect.json): paths named in it, and why it cannot be read, each said in
 * one line that names the file. Bad input, so exit 2.
 */
public final class FromFile {
    private FromFile() {}

    /**
     * {@code value}, the {@code field} of {@code file}, as a path below the folder that holds the
     * file. Refused unless it stays there: not absolute, no "..", no symbolic link on the way
     * that leads out of the folder, and not the folder itself.
     */
    public static Path path(Path file, String field, String value) {
        Path folder = file.toAbsolutePath().normalize().getParent();
        Optional<String> why = outside(folder, value);
        if (why.isPresent()) throw new UsageException(file + ": " + field + " '" + oneLine(value) + "' " + why.get());
        return folder.resolve(value).normalize();
    }

    /** Why {@code value} is not a path below {@code folder}, or empty when it is one. */
    public static Optional<String> outside(Path folder, String value) {
        if (value == null || value.isBlank()) return Optional.of("is empty; expected a path inside " + folder);
        Path rel;
        try {
            rel = Path.of(value);
        } catch (InvalidPathException e) {
            return Optional.of("is not a path");
        }
        if (rel.isAbsolute()) return Optional.of("is absolute; expected a path inside " + folder);
        for (Path part : rel) if (part.toString().equals("..")) return Optional.of("climbs out with '..'; expected a path inside " + folder);
        if (!Files.isDirectory(folder)) return Optional.of("is not inside " + folder + ", which is not a directory");
        Path p = folder.resolve(rel).normalize();
        if (p.equals(folder)) return Optional.of("names the folder itself; expected a path inside " + folder);
        // The deepest part that exists, a symbolic link included, must lie inside the folder once every link is followed.
        Path existing = p;
        while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) existing = existing.getParent();
        try {
            Path real = existing.toRealPath();
            Path realFolder = folder.toRealPath();
            if (!real.startsWith(realFolder) || real.equals(realFolder) && !existing.equals(folder)) {
                return Optional.of("leads out of " + folder + " through a symbolic link (to " + real + ")");
            }
        } catch (NoSuchFileException e) {
            return Optional.of("is a symbolic link to nothing (" + e.getFile() + ")");
        } catch (IOException e) {
            return Optional.of("cannot be followed: " + e.getMessage());
        }
        return Optional.empty();
    }

    /**
     * The lab's mapper for reading records back: a JSON null where a record has a default (a
     * list, a map, host) keeps the default, and a null inside a list is dropped. Fields with no
     * default are checked by the reader that needs them ({@link #run}, Bisect.read).
     */
    public static final ObjectMapper READER = Json.MAPPER.copy().setDefaultSetterInfo(JsonSetter.Value.forValueNulls(Nulls.SKIP, Nulls.SKIP));

    /** A run.json: also refused when it names no scenario or an arm has no name. */
    public static RunRecord run(Path file) {
        return run(folderOf(file), file);
    }

    /** A run.json of the bundle {@code files}, read through its reader. */
    public static RunRecord run(BundleFiles files, Path file) {
        RunRecord r = json(files, file, RunRecord.class);
        missing(r).ifPresent(m -> {
            throw new UsageException("cannot read " + file + ": " + m);
        });
        return r;
    }

    /** What a run record read back lacks that every reader needs: its scenario, its arms' names. */
    public static Optional<String> missing(RunRecord r) {
        if (r.scenario() == null) return Optional.of("field scenario is missing");
        for (int i = 0; i < r.arms().size(); i++) if (r.arms().get(i).name() == null) return Optional.of("field arms[" + i + "].name is missing");
        return Optional.empty();
    }

    /** A JSON record of {@code type} from {@code file}; one that cannot be read is bad input naming the file and what is wrong in it. */
    public static <T> T json(Path file, Class<T> type) {
        return json(folderOf(file), file, type);
    }

    /** The same, for a file of the bundle {@code files}: a link, a FIFO or a file outside it is refused, never followed. */
    public static <T> T json(BundleFiles files, Path file, Class<T> type) {
        T value;
        try (InputStream in = files.open(file)) {
            value = READER.readValue(in, type);
        } catch (IOException e) {
            throw unreadable(file, e);
        }
        if (value == null) throw new UsageException("cannot read " + file + ": " + NULL);
        return value;
    }

    private static BundleFiles folderOf(Path file) {
        return BundleFiles.of(file.toAbsolutePath().normalize().getParent());
    }

    /** What a file holding the JSON null says in place of a record. */
    public static final String NULL = "it holds null, not a record";

    /** "cannot read FILE: what is wrong in it", as bad input. */
    public static UsageException unreadable(Path file, IOException e) {
        return new UsageException("cannot read " + file + ": " + why(e));
    }

    /** What is wrong in a JSON file, in a reader's words: cut short, not JSON, or a field holding the wrong kind of value. */
    public static String why(IOException e) {
        if (e instanceof NoSuchFileException n) return "no such file " + n.getFile();
        // The parser's own error, met while binding a field: the file is not JSON there.
        if (e instanceof JsonMappingException m && m.getCause() instanceof JsonParseException p) return why(p);
        if (e instanceof JsonEOFException || e instanceof JsonParseException p && String.valueOf(p.getOriginalMessage()).startsWith("Unexpected end-of-input")) {
            return "it ends in the middle of the JSON" + at(((JsonParseException) e).getLocation()) + " (cut short?)";
        }
        if (e instanceof JsonParseException x) return "not valid JSON" + at(x.getLocation()) + ": " + firstLine(x.getOriginalMessage());
        if (e instanceof InvalidFormatException x) {
            return field(x) + "holds " + quote(x.getValue()) + ", not " + kind(x.getTargetType()) + at(x.getLocation());
        }
        if (e instanceof MismatchedInputException x && String.valueOf(x.getOriginalMessage()).startsWith("No content to map")) return "it is empty";
        if (e instanceof MismatchedInputException x) {
            String f = field(x);
            return (f.isEmpty() ? "expected " + kind(x.getTargetType()) + " at the top" : f + "does not hold " + kind(x.getTargetType())) + at(x.getLocation());
        }
        if (e instanceof JsonMappingException x) return field(x) + firstLine(x.getOriginalMessage()) + at(x.getLocation());
        return firstLine(e.getMessage() == null ? e.toString() : e.getMessage());
    }

    /** "field arms[0].trials " from the mapping's path, empty at the top. */
    private static String field(JsonMappingException x) {
        StringBuilder b = new StringBuilder();
        for (JsonMappingException.Reference r : x.getPath()) {
            if (r.getFieldName() != null) b.append(b.length() == 0 ? "" : ".").append(r.getFieldName());
            else if (r.getIndex() >= 0) b.append('[').append(r.getIndex()).append(']');
        }
        return b.length() == 0 ? "" : "field " + b + " ";
    }

    private static String kind(Class<?> type) {
        if (type == null) return "the expected value";
        if (type.isEnum()) return "one of " + Arrays.stream(type.getEnumConstants()).map(String::valueOf).collect(Collectors.joining(", "));
        if (Number.class.isAssignableFrom(type) || type.isPrimitive() && type != boolean.class && type != char.class) return "a number";
        if (type == Boolean.class || type == boolean.class) return "true or false";
        if (type == String.class) return "a string";
        if (java.util.Collection.class.isAssignableFrom(type) || type.isArray()) return "a list";
        return "an object (" + type.getSimpleName() + ")";
    }

    private static String at(JsonLocation l) {
        return l == null || l.getLineNr() < 0 ? "" : " (line " + l.getLineNr() + ", column " + l.getColumnNr() + ")";
    }

    private static String quote(Object v) {
        return v instanceof String s ? "\"" + oneLine(s) + "\"" : String.valueOf(v);
    }

    /** A value as one short line: a file's text must not add lines to what the lab says. */
    static String oneLine(String s) {
        if (s == null) return "";
        String t = s.replaceAll("\\p{Cntrl}", "?");
        return t.length() > 200 ? t.substring(0, 197) + "..." : t;
    }

    /** A parser's message without the lines that quote the source. */
    private static String firstLine(String s) {
        return oneLine(s == null ? "" : s.lines().findFirst().orElse(""));
    }
}
