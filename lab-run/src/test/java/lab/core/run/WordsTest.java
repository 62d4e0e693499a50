package lab.core.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import lab.records.Words;
import org.junit.jupiter.api.Test;

class WordsTest {
    @Test
    void trialUnitsTakeTheirEnglishPlural() {
        assertEquals("copies", Words.plural(3, "copy"));
        assertEquals("copy", Words.plural(1, "copy"));
        assertEquals("kills", Words.plural(0, "kill"));
        assertEquals("comparisons", Words.plural(2, "comparison"));
        assertEquals("trials", Words.plural(5, null));
        assertEquals("1 run", Words.count(1, "run"));
        assertEquals("0 dead runs", Words.count(0, "dead run"));
        assertEquals("2 repetitions", Words.count(2, "repetition"));
    }
}
