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

    /** Writes {@code value} through {@link AtomicFile}: a reader or a crash never sees half a file, a link at the target is replaced, not followed. */
    public static void replace(ObjectMapper mapper, Object value, java.nio.file.Path file) throws java.io.IOException {
        AtomicFile.write(file, out -> mapper.writeValue(out, value));
    }
}
