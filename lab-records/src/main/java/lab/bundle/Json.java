package lab.bundle;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/** The one JSON mapper of the lab: fields as they are, nulls left out, pretty where a person reads it. */
public final class Json {
    private Json() {}

    public static final ObjectMapper MAPPER = new ObjectMapper()
            .setVisibility(PropertyAccessor.FIELD, JsonAutoDetect.Visibility.ANY)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            // bundles written by another version of the lab stay readable (compare, resume)
            .disable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public static final ObjectMapper PRETTY = MAPPER.copy().enable(SerializationFeature.INDENT_OUTPUT);

    private static final ObjectMapper STRICT = MAPPER.copy().enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /**
     * A producer's draft as the record it becomes, or a record back as a draft to go on with (a resume): the same
     * fields by name, as the file has them. A field one side lacks is an error, not dropped.
     */
    public static <T> T convert(Object from, Class<T> to) {
        return STRICT.convertValue(from, to);
    }

    /** Writes {@code value} through {@link AtomicFile}: a reader or a crash never sees half a file, a link at the target is replaced, not followed. */
    public static void replace(ObjectMapper mapper, Object value, java.nio.file.Path file) throws java.io.IOException {
        AtomicFile.write(file, out -> mapper.writeValue(out, value));
    }
}
