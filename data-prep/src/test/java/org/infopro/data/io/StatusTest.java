package org.infopro.data.io;

import org.infopro.data.config.ConfigException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class StatusTest {
    private record Result(Status status) {
    }

    @Test
    void isWrittenAndReadInLowercase() {
        for (Status s : Status.values()) {
            String json = Json.line(new Result(s));
            assertEquals("{\"status\":\"" + s.name().toLowerCase(java.util.Locale.ROOT) + "\"}", json);
            assertEquals(s, Json.read(json, Result.class).status());
        }
    }

    @Test
    void aRefusedInputIsInvalidAndAnythingElseFailed() {
        assertEquals(Status.INVALID, Status.of(new ConfigException("bad --x")));
        assertEquals(Status.FAILED, Status.of(new IllegalStateException("broke")));
        assertEquals(Status.FAILED, Status.of(new OutOfMemoryError()));
    }
}
